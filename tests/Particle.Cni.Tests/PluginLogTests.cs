using System.Text.RegularExpressions;
using Particle.Protocol;

namespace Particle.Cni.Tests;

/// <summary>The operator's log file ("logFile", "logLevel"): one line per invocation, never stdout, never a failed verb.</summary>
public sealed class PluginLogTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Conf(string socket, string extra) =>
        CniRun.Conf("1.1.0", $"\"socket\":\"{socket}\",\"stateDir\":\"{_dir["state"]}\"," + extra);

    private string LogConf(string socket, string logFile, string? level = null) =>
        Conf(socket, $"\"logFile\":\"{logFile}\"" + (level is null ? "" : $",\"logLevel\":\"{level}\""));

    [Fact]
    public void A_successful_add_logs_one_line_with_time_verb_container_netns_ifname_network_outcome_and_duration()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Success(ResultFormatTests.Attachment()));
        string log = _dir["logs/particle.log"];

        var run = CniRun.Run(CniRun.Env("ADD"), LogConf(daemon.SocketPath, log));

        run.Exit.Should().Be(0, run.Stdout);
        run.Stdout.Should().NotContain("outcome=", "the log never goes to stdout");
        var lines = File.ReadAllLines(log);
        lines.Should().ContainSingle();
        lines[0].Should().MatchRegex(
            @"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ADD container=ctr1 netns=/var/run/netns/particle-test-does-not-exist ifname=eth0 network=podnet outcome=ok ms=\d+\.\d\d$");
        File.GetUnixFileMode(log).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(_dir["logs"]).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public void A_failure_logs_its_code_and_message_and_lines_accumulate()
    {
        string log = _dir["particle.log"];
        var conf = LogConf(_dir["absent.sock"], log);

        CniRun.Run(CniRun.Env("ADD"), conf).Exit.Should().Be(1);
        CniRun.Run(CniRun.Env("DEL", ("CNI_NETNS", null)), conf).Exit.Should().Be(0);

        var lines = File.ReadAllLines(log);
        lines.Should().HaveCount(2);
        lines[0].Should().Contain(" ADD container=ctr1 ").And.Contain($"outcome=error code={ErrorCodes.TryAgainLater} msg=\"particled is not reachable at {_dir["absent.sock"]}");
        lines[1].Should().Contain(" DEL container=ctr1 netns=\"\" ifname=eth0 network=podnet outcome=ok ms=");
    }

    [Fact]
    public void Without_log_file_nothing_is_written_anywhere()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Success(ResultFormatTests.Attachment()));
        CniRun.Run(CniRun.Env("ADD"), Conf(daemon.SocketPath, "\"timeoutSeconds\":5")).Exit.Should().Be(0);
        Directory.GetFileSystemEntries(_dir.Path).Should().BeEquivalentTo([_dir["d.sock"]]);
    }

    [Fact]
    public void Level_error_logs_failures_only_and_debug_adds_cni_args()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Success(ResultFormatTests.Attachment()));
        string errors = _dir["errors.log"], debug = _dir["debug.log"];

        CniRun.Run(CniRun.Env("ADD"), LogConf(daemon.SocketPath, errors, "error")).Exit.Should().Be(0);
        File.Exists(errors).Should().BeFalse();
        CniRun.Run(CniRun.Env("ADD"), LogConf(_dir["absent.sock"], errors, "error")).Exit.Should().Be(1);
        File.ReadAllLines(errors).Should().ContainSingle().Which.Should().Contain("outcome=error code=11");

        CniRun.Run(CniRun.Env("ADD"), LogConf(daemon.SocketPath, debug, "debug")).Exit.Should().Be(0);
        File.ReadAllText(debug).Should().Contain("args=K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0").And.Contain("path=/opt/cni/bin");
    }

    [Fact]
    public void A_log_file_that_cannot_be_opened_does_not_change_the_answer()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Success(ResultFormatTests.Attachment()));
        File.WriteAllText(_dir["not-a-folder"], "x");
        Directory.CreateDirectory(_dir["a-folder"]);

        foreach (string log in new[] { _dir["not-a-folder/particle.log"], _dir["a-folder"], "/proc/version" })
        {
            var run = CniRun.Run(CniRun.Env("ADD"), LogConf(daemon.SocketPath, log));
            run.Exit.Should().Be(0, log);
            run.Stdout.Should().Contain("\"ips\"");
        }
        File.ReadAllText(_dir["not-a-folder"]).Should().Be("x");
    }

    [Fact]
    public async Task A_symbolic_link_or_fifo_planted_at_the_log_path_is_not_written_through()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Success(ResultFormatTests.Attachment()));
        File.WriteAllText(_dir["victim"], "precious\n");
        File.CreateSymbolicLink(_dir["link.log"], _dir["victim"]);
        Particle.Tests.Fifo.Create(_dir["fifo.log"]);

        CniRun.Run(CniRun.Env("ADD"), LogConf(daemon.SocketPath, _dir["link.log"])).Exit.Should().Be(0);
        var fifo = Task.Run(() => CniRun.Run(CniRun.Env("ADD"), LogConf(daemon.SocketPath, _dir["fifo.log"])));

        (await Task.WhenAny(fifo, Task.Delay(TimeSpan.FromSeconds(10)))).Should().BeSameAs(fifo, "a FIFO without a reader must not block the plugin");
        (await fifo).Exit.Should().Be(0);
        File.ReadAllText(_dir["victim"]).Should().Be("precious\n");
    }

    [Fact]
    public void A_full_log_is_rotated_to_dot_1_and_starts_again()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Success(ResultFormatTests.Attachment()));
        string log = _dir["particle.log"];
        File.WriteAllText(log, new string('x', (int)PluginLog.MaxBytes - 10) + "\n");

        CniRun.Run(CniRun.Env("ADD"), LogConf(daemon.SocketPath, log)).Exit.Should().Be(0);

        new FileInfo(log + ".1").Length.Should().Be(PluginLog.MaxBytes - 9);
        File.ReadAllLines(log).Should().ContainSingle().Which.Should().Contain("outcome=ok");
    }

    [Theory]
    [InlineData("\"logFile\":\"relative.log\"", "logFile")]
    [InlineData("\"logFile\":\"/var/log/particle/\"", "logFile")]
    [InlineData("\"logFile\":\"/var/log/a\\nb\"", "logFile")]
    [InlineData("\"logFile\":\"/tmp/x.log\",\"logLevel\":\"verbose\"", "logLevel")]
    [InlineData("\"logFile\":3", "logFile")]
    public void Bad_log_settings_are_refused(string extra, string mentions)
    {
        var run = CniRun.Run(CniRun.Env("ADD"), CniRun.Conf("1.1.0", extra));
        run.Exit.Should().Be(1);
        CniRun.Error(run.Stdout).Msg.Should().Contain(mentions);
    }

    [Fact]
    public void A_message_with_control_characters_and_quotes_stays_on_one_line()
    {
        NetConf.TryParse(System.Text.Encoding.UTF8.GetBytes(CniRun.Conf("1.1.0", "\"logFile\":\"/tmp/x\"")), out var conf, out _).Should().BeTrue();
        CniEnvironment.TryRead(CniRun.Env("ADD"), out var env, out _).Should().BeTrue();

        string line = System.Text.Encoding.UTF8.GetString(PluginLog.Format(conf!, env!,
            new CniError(100, "bad \"thing\"\nsecond line\\"), TimeSpan.FromMilliseconds(1.5), new DateTime(2026, 1, 2, 3, 4, 5, 6, DateTimeKind.Utc)));

        line.Should().Be("2026-01-02T03:04:05.006Z ADD container=ctr1 netns=/var/run/netns/particle-test-does-not-exist ifname=eth0 network=podnet " +
            "outcome=error code=100 msg=\"bad \\\"thing\\\"\\u000asecond line\\\\\" ms=1.50\n");
        Regex.Matches(line, "\n").Should().ContainSingle();
    }
}
