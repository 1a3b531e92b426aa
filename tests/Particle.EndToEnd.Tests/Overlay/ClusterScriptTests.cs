using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Overlay;

/// <summary>The README's simulated-cluster demo, as a user runs it: up, check, status, down.</summary>
public sealed class ClusterScriptTests
{
    [Fact]
    public void Up_check_status_down_leaves_nothing_behind()
    {
        string prefix = $"pov-{Guid.NewGuid().ToString("N")[..6]}";
        string dir = Path.Combine(Path.GetTempPath(), $"{prefix}-cluster");
        var env = new Dictionary<string, string> { ["PARTICLE_BIN_DIR"] = Path.GetDirectoryName(Binaries.Daemon)! };
        try
        {
            var up = Script(env, "up", "--nodes", "2", "--tenants", "2", "--dir", dir, "--prefix", prefix);
            up.ExitCode.Should().Be(0, up.ToString());
            up.Stdout.Should().Contain("cluster up: 2 nodes, 2 tenants, backend static");

            var check = Script(env, "check", "--dir", dir);
            check.ExitCode.Should().Be(0, check.ToString());
            check.Stdout.Should().Contain("12 pairs as expected (same tenant reachable, other tenants not), 0 wrong");

            var status = Script(env, "status", "--dir", dir);
            status.ExitCode.Should().Be(0, status.ToString());
            status.Stdout.Should().Contain("n2 198.18.0.2: particled running").And.Contain("t2: subnet 10.245.2.0/24, vxlan pvx102, 1 peer route(s)");
        }
        finally
        {
            var down = Script(env, "down", "--dir", dir);
            down.ExitCode.Should().Be(0, down.ToString());
        }
        Directory.Exists(dir).Should().BeFalse();
        Shell.Check("ip", "netns", "list").Should().NotContain(prefix);
    }

    private static ProcessResult Script(Dictionary<string, string> env, params string[] args) =>
        Shell.Run("bash", [Path.Combine(Repository.Root, "scripts", "cluster.sh"), .. args], env: env, timeout: TimeSpan.FromSeconds(120));
}
