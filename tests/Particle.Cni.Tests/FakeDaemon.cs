using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using Particle.Protocol;

namespace Particle.Cni.Tests;

/// <summary>A stand-in particled on a unix socket in a temp folder, speaking the real framing.</summary>
internal sealed class FakeDaemon : IDisposable
{
    public enum Behaviour { Answer, NeverAnswer, CloseMidFrame, Trickle }

    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Func<DaemonRequest, DaemonResponse> _answer;
    private readonly Behaviour _behaviour;

    public string SocketPath { get; }
    public ConcurrentQueue<DaemonRequest> Requests { get; } = new();

    public FakeDaemon(string socketPath, Func<DaemonRequest, DaemonResponse>? answer = null, Behaviour behaviour = Behaviour.Answer)
    {
        SocketPath = socketPath;
        _answer = answer ?? (_ => DaemonResponse.Success());
        _behaviour = behaviour;
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(8);
        _loop = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            using (client)
            {
                try
                {
                    await HandleAsync(client);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ProtocolException)
                {
                }
            }
        }
    }

    private async Task HandleAsync(Socket client)
    {
        byte[]? frame = await Frames.ReadAsync(client, _stop.Token);
        if (frame is null)
            return;
        Requests.Enqueue(JsonSerializer.Deserialize(frame, ProtocolJsonContext.Default.DaemonRequest)!);
        switch (_behaviour)
        {
            case Behaviour.NeverAnswer:
                await Task.Delay(Timeout.Infinite, _stop.Token);
                break;
            case Behaviour.CloseMidFrame:
                // Announce 100 bytes, send 3, hang up.
                await client.SendAsync(new byte[] { 0, 0, 0, 100, (byte)'{', (byte)'"', (byte)'c' }, SocketFlags.None, _stop.Token);
                break;
            case Behaviour.Trickle:
                // The header at once, then the payload a byte every 200 ms: each wait is short, their sum is not.
                byte[] slow = Frames.Encode(JsonSerializer.SerializeToUtf8Bytes(_answer(Requests.Last()), ProtocolJsonContext.Default.DaemonResponse));
                await client.SendAsync(slow.AsMemory(0, Frames.HeaderLength), SocketFlags.None, _stop.Token);
                for (int i = Frames.HeaderLength; i < slow.Length; i++)
                {
                    await Task.Delay(200, _stop.Token);
                    await client.SendAsync(slow.AsMemory(i, 1), SocketFlags.None, _stop.Token);
                }
                break;
            default:
                byte[] reply = JsonSerializer.SerializeToUtf8Bytes(_answer(Requests.Last()), ProtocolJsonContext.Default.DaemonResponse);
                await Frames.WriteAsync(client, reply, _stop.Token);
                break;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}
