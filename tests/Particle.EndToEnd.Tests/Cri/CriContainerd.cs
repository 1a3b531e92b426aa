using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Particle.EndToEnd.Tests.Cri.Api;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Cri;

/// <summary>
/// containerd with its CRI plugin, as on a Kubernetes node, private to one test: its own root, state,
/// socket, runc root, CNI conf_dir and bin_dir (the shipped conflist pointed at the test node, the recording
/// wrapper as `particle`, the reference `loopback` the CRI plugin runs on every pod), pod namespaces pinned
/// under its state folder (netns_mounts_under_state_dir) and pod cgroups under a parent of its own. It runs
/// in the node's network namespace: the CRI plugin itself executes the CNI plugins, so the host side of
/// every pod lands there. The one thing outside its folder it cannot move is libcni's result cache
/// (/var/lib/cni/results: neither containerd 1.6 nor the go-cni it carries has a setting for it): <see cref="CniResultCache"/> removes
/// exactly the entries of the sandboxes this instance made.
/// </summary>
public sealed class CriContainerd : IDisposable
{
    private const string CriNamespace = "k8s.io";
    private const string ReferencePluginDir = "/usr/lib/cni";

    private readonly TestNode _node;
    private readonly StringBuilder _log = new();
    private readonly HashSet<string> _sandboxes = [];
    private readonly CniResultCache _cache = new();
    private readonly IDisposable _runContainerd = SharedMachineDirs.Lease(ContainerdLeftovers.ShimSocketDir, "/run/containerd");
    private Process? _daemon;

    /// <summary>The runtime handler whose pods get the reference bridge + host-local (with <c>reference: true</c>).</summary>
    public const string ReferenceHandler = "reference";

    /// <param name="record">Put the recording wrapper in front of particle (false: particle itself, as for the benchmark).</param>
    /// <param name="reference">Also offer the reference plugins under <see cref="ReferenceHandler"/>, on the same containerd.</param>
    public CriContainerd(TestNode node, string conflist = "10-particle.conflist", bool record = true, bool reference = false)
    {
        _node = node;
        Dir = Directory.CreateTempSubdirectory("particle-cri-").FullName;
        CgroupParent = $"/{node.Prefix}-pods";
        Recorder = new CniRecorder(Path.Combine(Dir, "cni-calls.log"));
        try
        {
            Directory.CreateDirectory(BinDir);
            Directory.CreateDirectory(ConfDir);
            if (record)
                Recorder.InstallAs(Path.Combine(BinDir, "particle"));
            else
                File.Copy(Binaries.Plugin, Path.Combine(BinDir, "particle"));
            Conflist = ShippedConflist.Load(conflist, node);
            // containerd takes one bin_dir: the reference plugins a conflist chains after particle, and
            // loopback, which the CRI plugin runs on every pod.
            var chained = Conflist["plugins"]!.AsArray().Select(p => p!["type"]!.GetValue<string>()).Where(t => t != "particle");
            foreach (var plugin in chained.Concat(reference ? ["loopback", "bridge", "host-local"] : ["loopback"]).Distinct())
                File.CreateSymbolicLink(Path.Combine(BinDir, plugin), Path.Combine(ReferencePluginDir, plugin));
            File.WriteAllText(Path.Combine(ConfDir, conflist), Conflist.ToJsonString());
            if (reference)
            {
                Directory.CreateDirectory(ReferenceConfDir);
                File.WriteAllText(Path.Combine(ReferenceConfDir, "10-reference.conflist"), ReferenceConflist());
            }
            File.WriteAllText(ConfigPath, Config(reference));
            Start();
            var import = Ctr("-n", CriNamespace, "images", "import", PauseImage.WriteArchive(Path.Combine(Dir, "pause.tar")));
            if (import.ExitCode != 0)
                throw new InvalidOperationException($"ctr images import failed: {import}");
            // The CRI plugin learns of the image from containerd's events, a moment after the import.
            if (!Poll.Until(() => Cri.HasImage(PauseImage.Reference), TimeSpan.FromSeconds(15)))
                throw new TimeoutException($"the CRI plugin never saw {PauseImage.Reference}\n{Log}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Dir { get; }
    public string Socket => Path.Combine(Dir, "containerd.sock");
    public string ConfigPath => Path.Combine(Dir, "config.toml");
    public string BinDir => Path.Combine(Dir, "cni-bin");
    public string ConfDir => Path.Combine(Dir, "cni-conf");
    public string RuncRoot => Path.Combine(Dir, "runc");
    public string ReferenceConfDir => Path.Combine(Dir, "cni-conf-reference");
    /// <summary>host-local's allocations (kept in this folder, not the machine's /var/lib/cni/networks).</summary>
    public string HostLocalDir => Path.Combine(Dir, "host-local");
    public string CgroupParent { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>The conflist containerd reads: the shipped one pointed at the test node.</summary>
    public JsonObject Conflist { get; } = new();

    /// <summary>What the CRI plugin called particle with.</summary>
    public CniRecorder Recorder { get; }

    public CriClient Cri { get; private set; } = null!;

    /// <summary>RunPodSandbox, remembered so that Dispose can take the sandbox down and forget its cache entries.</summary>
    public string RunPodSandbox(string name, string? uid = null, string podNamespace = "default", string runtimeHandler = "",
        bool hostNetwork = false, Action<PodSandboxConfig>? configure = null)
    {
        string id = Cri.RunPodSandbox(name, uid ?? Guid.NewGuid().ToString(), podNamespace, CgroupParent, runtimeHandler, hostNetwork,
            configure);
        lock (_sandboxes)
            _sandboxes.Add(id);
        return id;
    }

    /// <summary>The path of a sandbox's network namespace, from containerd's verbose status.</summary>
    public string NetnsOf(string sandboxId)
    {
        var info = JsonNode.Parse(Cri.PodSandboxStatus(sandboxId, verbose: true).Info["info"])!;
        var namespaces = info["runtimeSpec"]!["linux"]!["namespaces"]!.AsArray();
        return namespaces.Single(n => n!["type"]!.GetValue<string>() == "network")!["path"]!.GetValue<string>();
    }

    /// <summary>SIGKILL containerd, as a crash or an OOM kill would; its shims and pods live on.</summary>
    public void Kill()
    {
        Cri?.Dispose();
        if (_daemon is { HasExited: false })
        {
            _daemon.Kill();
            _daemon.WaitForExit();
        }
        _daemon = null;
    }

    public void Start()
    {
        var info = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { $"--net=/run/netns/{_node.Namespace}", "containerd", "--config", ConfigPath })
            info.ArgumentList.Add(arg);
        _daemon = Process.Start(info)!;
        _daemon.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _daemon.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        Cri = new CriClient(Socket);
        if (!Poll.Until(() => _daemon.HasExited || (File.Exists(Socket) && Cri.Answers()), TimeSpan.FromSeconds(30)) || _daemon.HasExited)
            throw new InvalidOperationException($"containerd did not start serving CRI on {Socket}\n{Log}");
    }

    /// <summary>ctr against this containerd, for what CRI does not offer (image import).</summary>
    public ProcessResult Ctr(params string[] args) =>
        Shell.Run("ctr", ["-a", Socket, .. args], timeout: TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        List<string> sandboxes;
        lock (_sandboxes)
            sandboxes = [.. _sandboxes];
        // Through CRI first, as kubelet would: Stop sends the DEL, and libcni drops its cache entries.
        if (_daemon is { HasExited: false })
        {
            foreach (var id in sandboxes)
            {
                try
                {
                    Cri.StopPodSandbox(id);
                    Cri.RemovePodSandbox(id);
                }
                catch (Grpc.Core.RpcException)
                {
                }
            }
        }
        Kill();
        try
        {
            ContainerdLeftovers.Remove(Dir, RuncRoot, CriNamespace, Socket, sandboxes, CgroupParent);
            // Last, because it throws if an entry survives. go-cni runs a loopback network on every pod too.
            _cache.Forget(sandboxes.SelectMany(id => new[]
            {
                (TestNode.NetworkName, id, "eth0"), (ReferenceNetwork, id, "eth0"), ("cni-loopback", id, "lo"),
            }));
        }
        finally
        {
            _runContainerd.Dispose();
            _cache.Dispose();
        }
    }

    private const string ReferenceNetwork = "cri-reference";

    /// <summary>The baseline: Debian's bridge + host-local at CNI 1.0.0, the same MTU, a bridge of its own in the node namespace.</summary>
    private string ReferenceConflist() => $$$"""
        {"cniVersion":"1.0.0","name":"{{{ReferenceNetwork}}}","plugins":[{"type":"bridge","bridge":"cref0","isGateway":true,
         "mtu":1400,"ipam":{"type":"host-local","ranges":[[{"subnet":"10.134.0.0/16"}]],"routes":[{"dst":"0.0.0.0/0"}],
         "dataDir":"{{{HostLocalDir}}}"}}]}
        """;

    private string Config(bool reference) => $"""
        version = 2
        root = "{Dir}/root"
        state = "{Dir}/state"
        # opt would unpack into /opt/containerd, outside this instance's folder.
        disabled_plugins = ["io.containerd.internal.v1.opt"]
        [grpc]
          address = "{Socket}"
        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "{PauseImage.Reference}"
          # Pod namespaces under the state folder instead of the machine's /var/run/netns.
          netns_mounts_under_state_dir = true
          # Without CAP_SYS_RESOURCE (these machines) runc cannot give the pause process the default -998.
          restrict_oom_score_adj = true
          stream_server_port = "0"
          [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = "{BinDir}"
            conf_dir = "{ConfDir}"
            max_conf_num = 1
          [plugins."io.containerd.grpc.v1.cri".containerd]
            default_runtime_name = "runc"
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                Root = "{RuncRoot}"
        {(reference ? ReferenceRuntime() : "")}
        """;

    // A second runtime handler, the same runc, whose pods use the reference conflist (per-runtime cni_conf_dir).
    private string ReferenceRuntime() => $"""
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.{ReferenceHandler}]
              runtime_type = "io.containerd.runc.v2"
              cni_conf_dir = "{ReferenceConfDir}"
              cni_max_conf_num = 1
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.{ReferenceHandler}.options]
                Root = "{RuncRoot}"
        """;
}
