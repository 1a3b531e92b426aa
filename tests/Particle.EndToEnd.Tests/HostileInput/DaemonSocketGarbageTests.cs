using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;
using Particle.Protocol;

namespace Particle.EndToEnd.Tests.HostileInput;

/// <summary>
/// Raw clients on particled's socket sending what no plugin sends: each gets a clean error response or a
/// closed connection, the daemon keeps serving, and nothing is allocated.
/// </summary>
public sealed class DaemonSocketGarbageTests : IDisposable
{
    private readonly TestNode _node = new("10.124.0.0/24");

    public void Dispose() => _node.Dispose();

    public static TheoryData<string> Garbage() => new(GarbageFrames.Keys);

    private static readonly Dictionary<string, byte[]> GarbageFrames = new()
    {
        ["nothing, then close"] = [],
        ["truncated header"] = [0, 0],
        ["header then a truncated payload"] = [.. Header(100), .. "{\"verb\":"u8.ToArray()],
        ["length header of 1 MiB + 1"] = Header(Frames.MaxLength + 1),
        ["length header of 2 GiB - 1"] = Header(int.MaxValue),
        ["negative length header"] = Header(-1),
        ["empty frame"] = Header(0),
        ["garbage bytes"] = Frame("\u0001\u0002garbage\u00ff"u8.ToArray()),
        ["invalid UTF-8"] = Frame([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]),
        ["truncated JSON"] = Frame("{\"verb\":\"ADD\",\"network\":"u8.ToArray()),
        ["JSON null"] = Frame("null"u8.ToArray()),
        ["JSON array"] = Frame("[1,2,3]"u8.ToArray()),
        ["JSON string"] = Frame("\"ADD\""u8.ToArray()),
        ["verb of the wrong type"] = Frame("{\"verb\":5,\"network\":\"e2e\"}"u8.ToArray()),
        ["netns of the wrong type"] = Frame("{\"verb\":\"ADD\",\"network\":\"e2e\",\"containerId\":\"g1\",\"ifName\":\"eth0\",\"netns\":{}}"u8.ToArray()),
        ["unknown verb"] = Frame("{\"verb\":\"REBOOT\",\"network\":\"e2e\",\"containerId\":\"g1\",\"ifName\":\"eth0\"}"u8.ToArray()),
        ["ADD without container id"] = Frame("{\"verb\":\"ADD\",\"network\":\"e2e\",\"ifName\":\"eth0\",\"netns\":\"/run/netns/particle-garbage-none\"}"u8.ToArray()),
        ["ADD without netns"] = Frame("{\"verb\":\"ADD\",\"network\":\"e2e\",\"containerId\":\"g1\",\"ifName\":\"eth0\"}"u8.ToArray()),
        ["ADD for an unknown network"] = Frame("{\"verb\":\"ADD\",\"network\":\"nope\",\"containerId\":\"g1\",\"ifName\":\"eth0\",\"netns\":\"/run/netns/particle-garbage-none\"}"u8.ToArray()),
        ["two frames on one connection"] = [.. Frame("{\"verb\":\"LIST\"}"u8.ToArray()), .. Frame("{\"verb\":\"LIST\"}"u8.ToArray())],
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Garbage_gets_an_error_or_a_closed_connection_and_the_daemon_keeps_serving(string name)
    {
        using var client = Connect();
        client.Send(GarbageFrames[name]);
        client.Shutdown(SocketShutdown.Send);

        var reply = ReadReply(client, TimeSpan.FromSeconds(10));

        if (reply is not null && name != "two frames on one connection")
        {
            using var doc = JsonDocument.Parse(reply);
            doc.RootElement.GetProperty("code").GetInt32().Should().NotBe(0, name + ": " + Encoding.UTF8.GetString(reply));
            doc.RootElement.GetProperty("message").GetString().Should().NotBeNullOrEmpty();
        }
        _node.Allocations().Should().BeEmpty();
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix, StringComparison.Ordinal) || l == "eth0");
        AddAndDelSucceed("after-" + Math.Abs(name.GetHashCode() % 10000));
    }

    [Fact]
    public void An_oversized_length_is_refused_with_a_decode_error_without_reading_the_payload()
    {
        using var client = Connect();
        client.Send(Header(Frames.MaxLength + 1));

        var reply = ReadReply(client, TimeSpan.FromSeconds(10));

        reply.Should().NotBeNull("the peer is still listening and gets a clean refusal");
        using var doc = JsonDocument.Parse(reply!);
        doc.RootElement.GetProperty("code").GetInt32().Should().Be(6);
        doc.RootElement.GetProperty("message").GetString().Should().Contain("length");
    }

    [Fact]
    public void A_client_that_sends_a_header_then_nothing_is_dropped_after_the_read_timeout_without_blocking_others()
    {
        using var silent = Connect();
        silent.Send(Header(64));
        var stalled = Stopwatch.StartNew();

        // Others are served meanwhile.
        AddAndDelSucceed("meanwhile");
        stalled.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(4), "the ADD must not have waited for the silent client");

        // particled gives up on the silent client after its 5 s read timeout: the connection ends.
        silent.ReceiveTimeout = 15_000;
        var buffer = new byte[4096];
        int got;
        try
        {
            got = silent.Receive(buffer);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            got = 0;
        }
        stalled.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(12));
        if (got > 0)
        {
            // A clean refusal is also acceptable; then the connection closes.
            using var doc = JsonDocument.Parse(buffer.AsMemory(4, got - 4));
            doc.RootElement.GetProperty("code").GetInt32().Should().NotBe(0);
        }
        _node.Allocations().Should().BeEmpty();
    }

    [Fact]
    public void Many_garbage_clients_at_once_do_not_stop_a_real_add()
    {
        var clients = Enumerable.Range(0, 50).Select(_ => Connect()).ToList();
        try
        {
            foreach (var (client, i) in clients.Select((c, i) => (c, i)))
                client.Send(i % 2 == 0 ? Header(1000) : Frame("garbage"u8.ToArray()));
            AddAndDelSucceed("crowd");
        }
        finally
        {
            foreach (var client in clients)
                client.Dispose();
        }
        _node.Allocations().Should().BeEmpty();
    }

    private void AddAndDelSucceed(string suffix)
    {
        var pod = _node.AddPod(suffix);
        var add = _node.Plugin("ADD", "ok-" + suffix, pod);
        add.ExitCode.Should().Be(0, add + "\n" + _node.DaemonLog);
        _node.Plugin("DEL", "ok-" + suffix, pod).ExitCode.Should().Be(0);
        _node.RemovePod(pod);
        _node.Allocations().Should().BeEmpty();
    }

    private Socket Connect()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(_node.SocketPath));
        return socket;
    }

    /// <summary>One reply frame's payload, or null when particled closed the connection without one.</summary>
    private static byte[]? ReadReply(Socket socket, TimeSpan timeout)
    {
        socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            return Frames.Read(socket);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            return null;
        }
    }

    private static byte[] Header(int length)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, length);
        return header;
    }

    private static byte[] Frame(byte[] payload) => [.. Header(payload.Length), .. payload];
}
