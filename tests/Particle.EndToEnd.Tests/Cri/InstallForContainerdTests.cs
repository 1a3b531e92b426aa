using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Cri;

/// <summary>
/// scripts/install.sh puts the plugin where containerd's CRI plugin looks (its config's bin_dir and
/// conf_dir), into a throwaway root (DESTDIR) holding the node's containerd config.
/// </summary>
public sealed class InstallForContainerdTests : IDisposable
{
    // Debian 12's /etc/containerd/config.toml as the containerd 1.6.20 package ships it.
    private const string DebianConfig = """
        version = 2

        [plugins]
          [plugins."io.containerd.grpc.v1.cri"]
            [plugins."io.containerd.grpc.v1.cri".cni]
              bin_dir = "/usr/lib/cni"
              conf_dir = "/etc/cni/net.d"
          [plugins."io.containerd.internal.v1.opt"]
            path = "/var/lib/containerd/opt"
        """;

    private readonly string _root = Directory.CreateTempSubdirectory("particle-install-cri-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void With_Debians_containerd_config_the_plugin_also_goes_to_usr_lib_cni_beside_loopback_and_uninstall_takes_it_back()
    {
        Write("etc/containerd/config.toml", DebianConfig);
        Write("usr/lib/cni/loopback", "reference plugin");
        var before = Snapshot();

        var install = Script("install.sh", "--no-build");

        install.Stdout.Should().Contain("containerd's CRI plugin looks for plugins in /usr/lib/cni");
        install.Stderr.Should().NotContain("warning");
        File.ReadAllBytes(Path.Combine(_root, "usr/lib/cni/particle")).Should().Equal(File.ReadAllBytes(Binaries.Plugin));
        File.Exists(Path.Combine(_root, "opt/cni/bin/particle")).Should().BeTrue("other runtimes (ctr, podman) look there");
        Directory.GetFiles(Path.Combine(_root, "etc/cni/net.d")).Select(Path.GetFileName).Should().Equal("10-particle.conflist");

        Script("uninstall.sh");
        Snapshot().Should().Equal(before);
    }

    [Fact]
    public void A_version_1_config_with_folders_of_its_own_and_extra_folders_by_option_are_all_served()
    {
        Write("etc/containerd/config.toml", """
            [plugins.cri.cni]
                conf_dir = "/etc/k8s/cni"
                bin_dir = "/srv/cni/bin"
            [plugins.other.cni]
                bin_dir = "/not/this/one"
            """);
        var before = Snapshot();

        var install = Script("install.sh", "--no-build", "--cni-bin-dir", "/usr/libexec/cni", "--cni-conf-dir", "/etc/crio/net.d");

        foreach (var dir in new[] { "opt/cni/bin", "srv/cni/bin", "usr/libexec/cni" })
            File.Exists(Path.Combine(_root, dir, "particle")).Should().BeTrue(dir);
        Directory.Exists(Path.Combine(_root, "not")).Should().BeFalse("only the CRI plugin's [cni] table counts");
        foreach (var dir in new[] { "etc/cni/net.d", "etc/k8s/cni", "etc/crio/net.d" })
            File.Exists(Path.Combine(_root, dir, "10-particle.conflist")).Should().BeTrue(dir);
        install.Stderr.Should().Contain("warning: /srv/cni/bin has no loopback plugin");

        Script("uninstall.sh");
        Snapshot().Should().Equal(before);
    }

    private void Write(string relative, string content)
    {
        string path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private ProcessResult Script(string name, params string[] args)
    {
        var env = new Dictionary<string, string>
        {
            ["DESTDIR"] = _root,
            ["PARTICLE_BIN_DIR"] = Path.GetDirectoryName(Binaries.Plugin)!,
        };
        var result = Shell.Run("bash", [Path.Combine(Repository.Root, "scripts", name), .. args], env: env);
        result.ExitCode.Should().Be(0, result.ToString());
        return result;
    }

    private List<string> Snapshot() =>
        Directory.GetFileSystemEntries(_root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(_root, p)).Order(StringComparer.Ordinal).ToList();
}
