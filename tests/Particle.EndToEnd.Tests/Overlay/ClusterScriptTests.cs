using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Overlay;

/// <summary>The README's simulated-cluster demo, as a user runs it: up, check, status, down.</summary>
public sealed class ClusterScriptTests
{
    [Theory]
    [InlineData("static", false)]
    [InlineData("etcd", false)]
    [InlineData("etcd", true)]
    public void Up_check_status_down_leaves_nothing_behind(string backend, bool tls)
    {
        string prefix = $"pov-{Guid.NewGuid().ToString("N")[..6]}";
        string dir = Path.Combine(Path.GetTempPath(), $"{prefix}-cluster");
        var env = new Dictionary<string, string> { ["PARTICLE_BIN_DIR"] = Path.GetDirectoryName(Binaries.Daemon)! };
        try
        {
            var up = Script(env, ["up", "--nodes", "2", "--tenants", "2", "--backend", backend, "--dir", dir, "--prefix", prefix, .. tls ? new[] { "--tls" } : []]);
            up.ExitCode.Should().Be(0, up.ToString());
            up.Stdout.Should().Contain($"cluster up: 2 nodes, 2 tenants, backend {backend}{(tls ? " (mutual TLS, user particle)" : ",")}");

            var check = Script(env, "check", "--dir", dir);
            check.ExitCode.Should().Be(0, check.ToString());
            check.Stdout.Should().Contain("12 pairs as expected (same tenant reachable, other tenants not), 0 wrong");

            var status = Script(env, "status", "--dir", dir);
            status.ExitCode.Should().Be(0, status.ToString());
            status.Stdout.Should().Contain("n2 198.18.0.2: particled running");
            // The static file gives n2 the /24 numbered 2; etcd leases whichever /24 the node's hash picks first.
            status.Stdout.Should().MatchRegex(backend == "static"
                ? @"t2: subnet 10\.245\.2\.0/24, vxlan pvx102, 1 peer route\(s\)"
                : @"t2: subnet 10\.245\.\d+\.0/24, vxlan pvx102, 1 peer route\(s\)");
            if (tls)
            {
                // The nodes really went over https with their certificates and the password, which no log shows.
                string config = File.ReadAllText(Path.Combine(dir, "n1", "node.json"));
                config.Should().Contain("\"endpoints\": [\"https://198.18.0.254:2379\"]").And.Contain("\"certFile\"").And.Contain("\"passwordFile\"");
                string password = File.ReadAllText(Path.Combine(dir, "pki", "password")).Trim();
                string key = File.ReadAllLines(Path.Combine(dir, "pki", "n1.key"))[1];
                foreach (var log in new[] { "n1/log", "n2/log" }.Select(l => File.ReadAllText(Path.Combine(dir, l))))
                {
                    log.Should().Contain("etcd: authenticated as user particle");
                    log.Should().NotContain(password).And.NotContain(key);
                }
            }
        }
        finally
        {
            var down = Script(env, "down", "--dir", dir);
            down.ExitCode.Should().Be(0, down.ToString());
        }
        Directory.Exists(dir).Should().BeFalse();
        Shell.Check("ip", "netns", "list").Should().NotContain(prefix);
        Shell.Run("pgrep", ["-f", dir]).ExitCode.Should().Be(1, "no particled or etcd of the cluster is left running");
    }

    private static ProcessResult Script(Dictionary<string, string> env, params string[] args) =>
        Shell.Run("bash", [Path.Combine(Repository.Root, "scripts", "cluster.sh"), .. args], env: env, timeout: TimeSpan.FromSeconds(120));
}
