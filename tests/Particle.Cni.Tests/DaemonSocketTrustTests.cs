using System.Diagnostics;
using Particle.Protocol;

namespace Particle.Cni.Tests;

/// <summary>
/// The plugin talks only to a socket root owns, reached without a symbolic link: anything else may be a
/// listener that is not particled, and it gets no request (the namespace path included).
/// </summary>
public sealed class DaemonSocketTrustTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Conf(string socket) => CniRun.Conf("1.1.0", $"\"socket\":\"{socket}\",\"stateDir\":\"{_dir["state"]}\"");

    [Fact]
    public void A_socket_owned_by_another_user_gets_no_request_and_add_answers_11()
    {
        using var impostor = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Success(ResultFormatTests.Attachment()));
        Chown(impostor.SocketPath, 65534);

        var run = CniRun.Run(CniRun.Env("ADD"), Conf(impostor.SocketPath));

        run.ShouldFail(ErrorCodes.TryAgainLater, "owned by uid 65534, not root; refusing to talk to it");
        impostor.Requests.Should().BeEmpty();
    }

    [Fact]
    public void A_symbolic_link_to_a_socket_is_not_followed()
    {
        using var daemon = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Success(ResultFormatTests.Attachment()));
        File.CreateSymbolicLink(_dir["link.sock"], daemon.SocketPath);

        CniRun.Run(CniRun.Env("ADD"), Conf(_dir["link.sock"])).ShouldFail(ErrorCodes.TryAgainLater, "symbolic link; refusing to follow it");
        daemon.Requests.Should().BeEmpty();
        CniRun.Run(CniRun.Env("ADD"), Conf(daemon.SocketPath)).Exit.Should().Be(0, "the real path is fine");
    }

    [Fact]
    public void Del_through_an_impostor_socket_cleans_up_locally_and_leaves_a_note()
    {
        using var impostor = new FakeDaemon(_dir["d.sock"]);
        Chown(impostor.SocketPath, 65534);

        var run = CniRun.Run(CniRun.Env("DEL", ("CNI_NETNS", null)), Conf(impostor.SocketPath));

        run.Exit.Should().Be(0, run.Stdout);
        impostor.Requests.Should().BeEmpty();
        Directory.GetFiles(Path.Combine(_dir["state"], Defaults.PendingDeletesFolder)).Should().ContainSingle();
    }

    private static void Chown(string path, int uid)
    {
        using var chown = Process.Start("chown", [$"{uid}:{uid}", path])!;
        chown.WaitForExit();
        chown.ExitCode.Should().Be(0);
    }
}
