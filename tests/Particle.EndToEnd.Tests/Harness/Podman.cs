namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// podman 4 with the CNI backend and everything private to the test: its containers.conf, storage (vfs)
/// and network config folder in a temp folder, the plugin (as the recording wrapper) in a plugin folder
/// of its own, and a busybox rootfs.
/// </summary>
public sealed class Podman : IDisposable
{
    private readonly TestNode _node;

    public Podman(TestNode node)
    {
        _node = node;
        Dir = Directory.CreateTempSubdirectory("particle-podman-").FullName;
        Directory.CreateDirectory(Path.Combine(Dir, "net.d"));
        Directory.CreateDirectory(Path.Combine(Dir, "bin"));
        Recorder = new CniRecorder(Path.Combine(Dir, "cni-calls.log"));
        Recorder.InstallAs(Path.Combine(Dir, "bin", "particle"));
        File.WriteAllText(Path.Combine(Dir, "net.d", $"{TestNode.NetworkName}.conflist"),
            ShippedConflist.Load("10-particle.conflist", node).ToJsonString());
        // This sandbox lacks CAP_SYS_RESOURCE: without explicit ulimits runc fails setting rlimits.
        File.WriteAllText(Path.Combine(Dir, "containers.conf"), $"""
            [network]
            network_backend = "cni"
            network_config_dir = "{Dir}/net.d"
            cni_plugin_dirs = ["{Dir}/bin", "/usr/lib/cni"]
            [engine]
            runtime = "runc"
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            [containers]
            default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
            """);
        File.WriteAllText(Path.Combine(Dir, "storage.conf"), $"""
            [storage]
            driver = "vfs"
            runroot = "{Dir}/run"
            graphroot = "{Dir}/graph"
            """);
        Rootfs = BusyboxRootfs.Make(Path.Combine(Dir, "rootfs"));
    }

    public string Dir { get; }
    public string Rootfs { get; }

    /// <summary>What podman called the plugin with.</summary>
    public CniRecorder Recorder { get; }

    /// <summary>podman, run inside the node namespace so that the host side of the network lands there.</summary>
    public ProcessResult Run(params string[] args) =>
        Shell.Run("nsenter", [$"--net=/run/netns/{_node.Namespace}", "podman", .. args], env: new Dictionary<string, string>
        {
            ["CONTAINERS_CONF"] = Path.Combine(Dir, "containers.conf"),
            ["CONTAINERS_STORAGE_CONF"] = Path.Combine(Dir, "storage.conf"),
        }, timeout: TimeSpan.FromSeconds(90));

    public void Dispose()
    {
        Run("rm", "--all", "--force", "--time", "0");
        Shell.Run("pkill", ["-9", "-f", Dir]);
        Directory.Delete(Dir, recursive: true);
    }
}

/// <summary>A root filesystem with a static busybox and its applets: enough for sh, ip and ping.</summary>
public static class BusyboxRootfs
{
    public static string Make(string path)
    {
        foreach (var dir in new[] { "bin", "proc", "sys", "dev", "etc", "tmp" })
            Directory.CreateDirectory(Path.Combine(path, dir));
        File.Copy("/bin/busybox", Path.Combine(path, "bin/busybox"));
        foreach (var applet in Shell.Check("/bin/busybox", "--list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var link = Path.Combine(path, "bin", applet);
            if (!File.Exists(link))
                File.CreateSymbolicLink(link, "busybox");
        }
        return path;
    }
}
