using System.Buffers.Binary;
using System.Net.Sockets;

namespace Particle.Protocol;

/// <summary>
/// Messages on the daemon socket are JSON documents, each preceded by its length as a 4-byte big-endian
/// integer, so that a reader never has to guess where a message ends and can refuse an oversized one
/// before reading it.
/// </summary>
public static class Frames
{
    public const int MaxLength = 1 << 20;

    public static void Write(Socket socket, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxLength)
            throw new ProtocolException($"message of {payload.Length} bytes exceeds the {MaxLength}-byte limit");
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
        SendAll(socket, header);
        SendAll(socket, payload);
    }

    /// <summary>Reads one frame; null when the peer closed the connection before sending anything.</summary>
    public static byte[]? Read(Socket socket)
    {
        Span<byte> header = stackalloc byte[4];
        int got = ReceiveAll(socket, header);
        if (got == 0)
            return null;
        if (got < 4)
            throw new ProtocolException("connection closed inside a message header");
        int length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 0 || length > MaxLength)
            throw new ProtocolException($"message length {length} is outside 0..{MaxLength}");
        var payload = new byte[length];
        if (ReceiveAll(socket, payload) < length)
            throw new ProtocolException($"connection closed after a partial message ({length} bytes announced)");
        return payload;
    }

    public static async ValueTask WriteAsync(Socket socket, ReadOnlyMemory<byte> payload, CancellationToken cancel)
    {
        if (payload.Length > MaxLength)
            throw new ProtocolException($"message of {payload.Length} bytes exceeds the {MaxLength}-byte limit");
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
        await SendAllAsync(socket, header, cancel);
        await SendAllAsync(socket, payload, cancel);
    }

    public static async ValueTask<byte[]?> ReadAsync(Socket socket, CancellationToken cancel)
    {
        var header = new byte[4];
        int got = await ReceiveAllAsync(socket, header, cancel);
        if (got == 0)
            return null;
        if (got < 4)
            throw new ProtocolException("connection closed inside a message header");
        int length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 0 || length > MaxLength)
            throw new ProtocolException($"message length {length} is outside 0..{MaxLength}");
        var payload = new byte[length];
        if (await ReceiveAllAsync(socket, payload, cancel) < length)
            throw new ProtocolException($"connection closed after a partial message ({length} bytes announced)");
        return payload;
    }

    private static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
            data = data[socket.Send(data)..];
    }

    private static int ReceiveAll(Socket socket, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = socket.Receive(buffer[total..]);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }

    private static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancel)
    {
        while (!data.IsEmpty)
            data = data[await socket.SendAsync(data, SocketFlags.None, cancel)..];
    }

    private static async ValueTask<int> ReceiveAllAsync(Socket socket, Memory<byte> buffer, CancellationToken cancel)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[total..], SocketFlags.None, cancel);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }
}

public sealed class ProtocolException(string message) : Exception(message);
