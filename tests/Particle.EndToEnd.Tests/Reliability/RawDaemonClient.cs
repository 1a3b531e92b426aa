using System.Net.Sockets;
using System.Text.Json;
using Particle.Protocol;

namespace Particle.EndToEnd.Tests.Reliability;

/// <summary>Requests straight to particled's socket, as many at once as a test wants (no plugin process).</summary>
internal static class RawDaemonClient
{
    public static async Task<Socket> ConnectAsync(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static async Task SendAsync(Socket socket, DaemonRequest request, CancellationToken cancel = default) =>
        await Frames.WriteAsync(socket, JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.DaemonRequest), cancel);

    /// <summary>The reply; null when particled closed the connection without one.</summary>
    public static async Task<DaemonResponse?> ReceiveAsync(Socket socket, CancellationToken cancel = default)
    {
        var frame = await Frames.ReadAsync(socket, cancel);
        return frame is null ? null : JsonSerializer.Deserialize(frame, ProtocolJsonContext.Default.DaemonResponse);
    }

    public static async Task<DaemonResponse?> ExchangeAsync(string socketPath, DaemonRequest request, CancellationToken cancel = default)
    {
        using var socket = await ConnectAsync(socketPath);
        await SendAsync(socket, request, cancel);
        return await ReceiveAsync(socket, cancel);
    }
}
