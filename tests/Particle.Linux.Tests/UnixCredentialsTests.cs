using System.Net.Sockets;

namespace Particle.Linux.Tests;

public sealed class UnixCredentialsTests
{
    [Fact]
    public void Peer_credentials_are_our_own_process()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pnl-{Guid.NewGuid():N}.sock");
        try
        {
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            listener.Listen(1);
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(path));
            using Socket server = listener.Accept();

            (int pid, int uid, int gid) = UnixCredentials.GetPeer(server);

            pid.Should().Be(Environment.ProcessId);
            uid.Should().Be(StatusId("Uid:"));
            gid.Should().Be(StatusId("Gid:"));
            UnixCredentials.GetPeer(client).Pid.Should().Be(Environment.ProcessId);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_socket_without_a_peer_is_ENOTCONN()
    {
        using var unconnected = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

        var act = () => UnixCredentials.GetPeer(unconnected);

        var e = act.Should().Throw<LinuxException>().Which;
        e.Operation.Should().Be("getsockopt(SO_PEERCRED)");
        e.Errno.Should().Be(Errno.ENOTCONN);
    }

    private static int StatusId(string field) =>
        int.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal))
            .Split('\t', StringSplitOptions.RemoveEmptyEntries)[2]);
}
