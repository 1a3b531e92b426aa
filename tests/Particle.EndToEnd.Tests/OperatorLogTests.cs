using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>
/// What an operator reads: the plugin's log file named in the network config, and particled's lines,
/// both naming the container and the verb of each line, with the outcome.
/// </summary>
public sealed class OperatorLogTests
{
    [Fact]
    public void Plugin_log_file_and_particled_lines_name_verb_container_and_outcome()
    {
        using var node = new TestNode(namePrefix: "prl");
        string pod = node.AddPod("log");
        string logFile = Path.Combine(node.Dir, "log", "particle.log");
        string conf = $$"""
            {"cniVersion":"1.0.0","name":"{{TestNode.NetworkName}}","type":"particle","socket":"{{node.SocketPath}}","stateDir":"{{node.StateDir}}","logFile":"{{logFile}}"}
            """;

        var add = node.Plugin("ADD", "logged1", pod, stdin: conf);
        add.ExitCode.Should().Be(0, add.ToString());
        add.Stdout.Should().NotContain("outcome=");
        var failed = node.Plugin("ADD", "logged2", "/run/netns/prl-absent", stdin: conf);
        failed.ExitCode.Should().NotBe(0);
        node.Plugin("DEL", "logged1", pod, stdin: conf).ExitCode.Should().Be(0);

        var lines = File.ReadAllLines(logFile);
        lines.Should().HaveCount(3);
        lines[0].Should().MatchRegex($@"^\S+Z ADD container=logged1 netns={pod} ifname=eth0 network=e2e outcome=ok ms=\d+\.\d\d$");
        lines[1].Should().MatchRegex(@"^\S+Z ADD container=logged2 netns=/run/netns/prl-absent ifname=eth0 network=e2e outcome=error code=3 msg="".+"" ms=");
        lines[2].Should().MatchRegex($@"^\S+Z DEL container=logged1 netns={pod} ifname=eth0 network=e2e outcome=ok ms=");
        File.GetUnixFileMode(logFile).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        // particled writes a request's closing line after the plugin has its answer.
        Poll.Until(() => node.DaemonLog.Contains("verb=DEL network=e2e container=logged1 ifname=eth0 netns="), TimeSpan.FromSeconds(10));
        string daemon = node.DaemonLog;
        daemon.Should().MatchRegex(@$"verb=ADD network=e2e container=logged1 ifname=eth0 netns={pod} code=0 ms=\d");
        daemon.Should().MatchRegex(@"verb=ADD network=e2e container=logged2 ifname=eth0 netns=/run/netns/prl-absent code=3 ms=[\d.]+ msg=""");
        daemon.Should().MatchRegex(@$"verb=DEL network=e2e container=logged1 ifname=eth0 netns={pod} code=0");
        // Lines logged inside a request carry its fields too (a scope).
        daemon.Should().MatchRegex(@"=> verb=ADD network=e2e container=logged1 ifname=eth0 .*ADD 10\.123\.0\.\d+");
    }
}
