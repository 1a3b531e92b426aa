using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Particle.Linux;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// Small in-process servers and clients for traffic checks. A socket belongs to the network namespace it
/// was created in, so each is created on a thread inside its namespace (NetworkNamespace.Run) and then used
/// from anywhere: no processes to start or reap. Every server answers "NAME saw ADDRESS:PORT" (the source
/// it saw), so a test asserts both that the reply made it back through NAT and what source arrived.
/// Every wait is bounded.
/// </summary>
public static class Traffic
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>One TCP exchange: connect, read the server's one-line answer. Null and a reason when it fails.</summary>
    public static TrafficResult Tcp(string fromNetns, IPAddress address, int port)
    {
        using var netns = NetworkNamespace.Open(fromNetns);
        using var socket = netns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        socket.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        try
        {
            if (!socket.ConnectAsync(new IPEndPoint(address, port)).Wait(Timeout))
                return TrafficResult.Failed($"TCP connect to {address}:{port} from {fromNetns}: no answer in {Timeout.TotalSeconds} s");
            return TrafficResult.Answered(ReadLine(socket));
        }
        catch (Exception e) when (e is SocketException or AggregateException)
        {
            return TrafficResult.Failed($"TCP to {address}:{port} from {fromNetns}: {(e as AggregateException)?.InnerException?.Message ?? e.Message}");
        }
    }

    /// <summary>One UDP exchange: send a datagram, wait for the answer (three tries, each bounded).</summary>
    public static TrafficResult Udp(string fromNetns, IPAddress address, int port)
    {
        using var netns = NetworkNamespace.Open(fromNetns);
        using var socket = netns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        socket.ReceiveTimeout = 1500;
        var buffer = new byte[256];
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                socket.SendTo("ping"u8, new IPEndPoint(address, port));
                int n = socket.Receive(buffer);
                return TrafficResult.Answered(Encoding.ASCII.GetString(buffer, 0, n));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
            }
            catch (SocketException e)
            {
                return TrafficResult.Failed($"UDP to {address}:{port} from {fromNetns}: {e.Message}");
            }
        }
        return TrafficResult.Failed($"UDP to {address}:{port} from {fromNetns}: no answer to 3 datagrams");
    }

    /// <summary>`ping -c1 -W1` from inside a namespace, up to three times (the first may wait for ARP).</summary>
    public static bool Ping(string fromNetns, string address)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (Shell.Run("ip", ["netns", "exec", Path.GetFileName(fromNetns), "ping", "-c", "1", "-W", "1", address],
                    timeout: TimeSpan.FromSeconds(10)).ExitCode == 0)
                return true;
        }
        return false;
    }

    private static string ReadLine(Socket socket)
    {
        var received = new List<byte>();
        var buffer = new byte[256];
        while (received.Count < 4096)
        {
            int n = socket.Receive(buffer);
            if (n == 0)
                break;
            received.AddRange(buffer.AsSpan(0, n));
            if (buffer.AsSpan(0, n).Contains((byte)'\n'))
                break;
        }
        return Encoding.ASCII.GetString(received.ToArray()).Trim();
    }
}

/// <summary>What a client got: the server's answer, or why there was none.</summary>
public sealed record TrafficResult(string? Answer, string? Error)
{
    public static TrafficResult Answered(string answer) => new(answer, null);
    public static TrafficResult Failed(string error) => new(null, error);

    public override string ToString() => Answer ?? $"failed: {Error}";
}

/// <summary>
/// A TCP and a UDP server on one address and port inside a namespace, answering every client with
/// "NAME saw ADDRESS:PORT". Stopped (sockets closed, accept thread ended) on Dispose.
/// </summary>
public sealed class EchoServer : IDisposable
{
    private readonly Socket _tcp;
    private readonly Socket _udp;
    private readonly Thread _tcpThread;
    private readonly Thread _udpThread;

    public EchoServer(string name, string netnsPath, IPAddress address, int port)
    {
        Name = name;
        using var netns = NetworkNamespace.Open(netnsPath);
        (_tcp, _udp) = netns.Run(() =>
        {
            var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                tcp.Bind(new IPEndPoint(address, port));
                tcp.Listen(16);
                udp.Bind(new IPEndPoint(address, port));
                return (tcp, udp);
            }
            catch
            {
                tcp.Dispose();
                udp.Dispose();
                throw;
            }
        });
        _tcpThread = new Thread(ServeTcp) { IsBackground = true, Name = $"tcp {name}" };
        _udpThread = new Thread(ServeUdp) { IsBackground = true, Name = $"udp {name}" };
        _tcpThread.Start();
        _udpThread.Start();
    }

    public string Name { get; }

    /// <summary>Source addresses of every client served, in order.</summary>
    public ConcurrentQueue<IPAddress> Seen { get; } = new();

    /// <summary>The answer a client gets when the server saw it as <paramref name="source"/>.</summary>
    public string AnswerFor(IPAddress source) => $"{Name} saw {source}";

    public void Dispose()
    {
        _tcp.Dispose();
        _udp.Dispose();
        _tcpThread.Join(TimeSpan.FromSeconds(5));
        _udpThread.Join(TimeSpan.FromSeconds(5));
    }

    private void ServeTcp()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = _tcp.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            using (client)
            {
                var source = ((IPEndPoint)client.RemoteEndPoint!).Address;
                Seen.Enqueue(source);
                try
                {
                    client.Send(Encoding.ASCII.GetBytes(AnswerFor(source) + "\n"));
                    client.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                }
            }
        }
    }

    private void ServeUdp()
    {
        var buffer = new byte[256];
        while (true)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                _udp.ReceiveFrom(buffer, ref from);
                var source = ((IPEndPoint)from).Address;
                Seen.Enqueue(source);
                _udp.SendTo(Encoding.ASCII.GetBytes(AnswerFor(source)), from);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }
}
