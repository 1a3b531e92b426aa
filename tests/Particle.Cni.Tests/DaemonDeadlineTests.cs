using System.Diagnostics;
using Particle.Protocol;

namespace Particle.Cni.Tests;

/// <summary>timeoutSeconds bounds the whole exchange with particled, not each wait within it.</summary>
public sealed class DaemonDeadlineTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_daemon_that_trickles_its_reply_is_given_up_on_at_the_timeout_and_the_add_noted_for_undoing()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Success(ResultFormatTests.Attachment()), FakeDaemon.Behaviour.Trickle);
        var clock = Stopwatch.StartNew();

        var run = CniRun.Run(CniRun.Env("ADD"),
            CniRun.Conf("1.1.0", $"\"socket\":\"{daemon.SocketPath}\",\"stateDir\":\"{_dir["state"]}\",\"timeoutSeconds\":1"));

        // The reply is a few hundred bytes at 5 a second: a per-wait timeout would keep reading for a minute.
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3));
        run.ShouldFail(ErrorCodes.TryAgainLater, "no reply within 1s");
        Directory.GetFiles(Path.Combine(_dir["state"], Defaults.PendingDeletesFolder)).Should().ContainSingle();
    }
}
