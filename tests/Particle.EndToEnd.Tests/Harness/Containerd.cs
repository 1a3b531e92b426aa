using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// A private containerd (its own root, state and socket in a temp folder, CRI off) and a busybox rootfs,
/// for driving the plugin through the real `ctr run --cni`. ctr 1.6 reads the first file of
/// /etc/cni/net.d and looks for plugins in /opt/cni/bin, so the test puts its conflist and a copy of the
/// plugin (under a type name of its own, as the recording wrapper) there, and puts both folders back as
/// it found them. ctr keeps each ADD's result in libcni's cache (/var/lib/cni/results) until a DEL, and
/// containers run with -d never get one (ctr calls DEL only when a `run --rm` ends): the entries of this
/// instance's containers are removed on Dispose (<see cref="CniResultCache"/>).
/// </summary>
public sealed class Containerd : IDisposable
{
    private const string CniConfDir = "/etc/cni/net.d";
    private const string CniBinDir = "/opt/cni/bin";

    private readonly TestNode _node;
    private readonly Process _daemon;
    private readonly List<string> _createdDirs = [];
    // The shims put their sockets under /run/containerd/s whatever the config says.
    private readonly IDisposable _runContainerd = SharedMachineDirs.Lease("/run/containerd/s", "/run/containerd");
    private readonly string _confFile;
    private readonly string _pluginCopy;
    private readonly CniResultCache _cache = new();

    public Containerd(TestNode node)
    {
        _node = node;
        Dir = Directory.CreateTempSubdirectory("particle-ctr-").FullName;
        Recorder = new CniRecorder(Path.Combine(Dir, "cni-calls.log"));
        string type = $"particle-{node.Prefix}";
        _pluginCopy = Path.Combine(CniBinDir, type);
        _confFile = Path.Combine(CniConfDir, $"00-{node.Prefix}.conflist");
        try
        {
            File.WriteAllText(Path.Combine(Dir, "config.toml"), $"""
                version = 2
                root = "{Dir}/root"
                state = "{Dir}/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt"]
                [grpc]
                  address = "{Socket}"
                """);
            _daemon = Process.Start(new ProcessStartInfo("containerd", ["--config", Path.Combine(Dir, "config.toml")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            _daemon.OutputDataReceived += (_, _) => { };
            _daemon.ErrorDataReceived += (_, _) => { };
            _daemon.BeginOutputReadLine();
            _daemon.BeginErrorReadLine();
            SpinWait.SpinUntil(() => File.Exists(Socket), TimeSpan.FromSeconds(15)).Should().BeTrue("containerd starts");

            BusyboxRootfs.Make(Rootfs);
            CreateDir(CniBinDir);
            CreateDir(CniConfDir);
            Recorder.InstallAs(_pluginCopy);
            Conflist = ShippedConflist.Load("10-particle.conflist", node, particleType: type);
            File.WriteAllText(_confFile, Conflist.ToJsonString());
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Dir { get; }
    public string Socket => Path.Combine(Dir, "containerd.sock");
    public string Rootfs => Path.Combine(Dir, "rootfs");

    /// <summary>The conflist ctr reads: cni-conf/10-particle.conflist pointed at the test node.</summary>
    public JsonObject Conflist { get; } = new();

    /// <summary>What ctr called the plugin with.</summary>
    public CniRecorder Recorder { get; }

    /// <summary>ctr, run inside the node namespace so that the host side of the network lands there.</summary>
    public ProcessResult Ctr(params string[] args) =>
        Shell.Run("nsenter", [$"--net=/run/netns/{_node.Namespace}", "ctr", "-a", Socket, .. args], timeout: TimeSpan.FromSeconds(60));

    /// <summary>
    /// `ctr run --cni` on the busybox rootfs with runc's state and the stdio fifos in this containerd's
    /// folder (their defaults under /run/containerd are shared by every containerd on the machine).
    /// </summary>
    public ProcessResult Run(string mode, string id, params string[] command) => RunWith([mode], id, command);

    /// <summary><see cref="Run"/> with more options of `ctr run`, e.g. --with-ns.</summary>
    public ProcessResult RunWith(string[] options, string id, params string[] command) =>
        Ctr(["run", .. options, "--cni", "--runc-root", Path.Combine(Dir, "runc"), "--fifo-dir", Path.Combine(Dir, "fifo"),
            "--rootfs", Rootfs, id, .. command]);

    public void Dispose()
    {
        File.Delete(_confFile);
        File.Delete(_pluginCopy);
        foreach (var dir in Enumerable.Reverse(_createdDirs))
            Directory.Delete(dir);
        RemoveContainers();
        if (_daemon is { HasExited: false })
        {
            _daemon.Kill();
            _daemon.WaitForExit();
        }
        // Shims outlive containerd; theirs name this folder on their command line.
        Shell.Run("pkill", ["-9", "-f", Dir]);
        Shell.Run("umount", ["-R", Path.Combine(Dir, "state")]);
        var added = Recorder.Calls().Where(c => c.Command == "ADD" && c.ContainerId is not null && c.IfName is not null)
            .Select(c => (TestNode.NetworkName, c.ContainerId!, c.IfName!)).ToList();
        Directory.Delete(Dir, recursive: true);
        _runContainerd.Dispose();
        // Last, because it throws if an entry survives.
        try
        {
            _cache.Forget(added);
        }
        finally
        {
            _cache.Dispose();
        }
    }

    /// <summary>Kills and deletes what a test left running, so the shims exit and remove their sockets.</summary>
    private void RemoveContainers()
    {
        if (_daemon is not { HasExited: false })
            return;
        var listed = Ctr("container", "ls", "-q");
        foreach (var id in listed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Ctr("task", "kill", "-s", "KILL", id);
            // A killed task can be deleted once it has exited; a container may have no task at all.
            Poll.Until(() => Ctr("task", "delete", id).ExitCode == 0 ||
                !Ctr("task", "ls", "-q").Stdout.Split('\n').Contains(id), TimeSpan.FromSeconds(10));
            Ctr("container", "rm", id);
        }
    }

    private void CreateDir(string path)
    {
        if (Directory.Exists(path))
            return;
        CreateDir(Path.GetDirectoryName(path)!);
        Directory.CreateDirectory(path);
        _createdDirs.Add(path);
    }
}
