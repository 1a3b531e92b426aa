using System.Net.Sockets;
using System.Text.Json;
using Particle.Protocol;

namespace Particle.Ctl;

/// <summary>One request to particled over its unix socket, one answer.</summary>
public static class DaemonConnection
{
    public static DaemonResponse Ask(string socketPath, DaemonRequest request)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        }
        catch (SocketException e)
        {
            throw new DaemonUnreachableException($"particled is not reachable at {socketPath}: {e.Message}");
        }
        socket.ReceiveTimeout = 60_000;
        Frames.Write(socket, JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.DaemonRequest));
        var reply = Frames.Read(socket) ?? throw new DaemonUnreachableException($"particled at {socketPath} closed the connection without answering");
        return JsonSerializer.Deserialize(reply, ProtocolJsonContext.Default.DaemonResponse)
            ?? throw new DaemonUnreachableException($"particled at {socketPath} answered null");
    }
}

public sealed class DaemonUnreachableException(string message) : Exception(message);
