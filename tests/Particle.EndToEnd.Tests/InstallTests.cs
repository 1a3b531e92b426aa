using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>scripts/install.sh and scripts/uninstall.sh, into a throwaway root (DESTDIR).</summary>
public sealed class InstallTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("particle-install-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Uninstall_removes_exactly_what_install_added()
    {
        // A node that already has a CNI folder with another network in it, and an empty /opt/cni/bin.
        Directory.CreateDirectory(Path.Combine(_root, "opt/cni/bin"));
        Directory.CreateDirectory(Path.Combine(_root, "etc/cni/net.d"));
        File.WriteAllText(Path.Combine(_root, "etc/cni/net.d/99-other.conflist"), "{}");
        var before = Snapshot();

        Script("install.sh", "--no-build").ExitCode.Should().Be(0);

        File.Exists(Path.Combine(_root, "opt/cni/bin/particle")).Should().BeTrue();
        File.GetUnixFileMode(Path.Combine(_root, "usr/local/bin/particled")).Should().HaveFlag(UnixFileMode.UserExecute);
        File.ReadAllText(Path.Combine(_root, "etc/cni/net.d/10-particle.conflist"))
            .Should().Be(File.ReadAllText(Path.Combine(Repository.Root, "cni-conf/10-particle.conflist")));
        File.Exists(Path.Combine(_root, "etc/systemd/system/particled.service")).Should().BeTrue();
        File.ReadAllText(Path.Combine(_root, "etc/cni/net.d/99-other.conflist")).Should().Be("{}");

        Script("install.sh", "--no-build").ExitCode.Should().Be(0, "installing twice is an upgrade");
        Script("uninstall.sh").ExitCode.Should().Be(0);

        Snapshot().Should().Equal(before);
    }

    [Fact]
    public void An_operators_own_config_is_kept_by_install_and_by_uninstall()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc/particle"));
        File.WriteAllText(Path.Combine(_root, "etc/particle/particled.json"), "mine");

        var install = Script("install.sh", "--no-build");
        install.Stdout.Should().Contain("kept existing /etc/particle/particled.json");
        Script("uninstall.sh").ExitCode.Should().Be(0);

        File.ReadAllText(Path.Combine(_root, "etc/particle/particled.json")).Should().Be("mine");
        Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Should().ContainSingle();
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
