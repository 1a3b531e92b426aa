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
    public const int HeaderLength = 4;

    /// <summary>Header and payload in one buffer, so a frame goes out in a single send.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > MaxLength)
            throw new ProtocolException($"message of {payload.Length} bytes exceeds the {MaxLength}-byte limit");
        var frame = new byte[HeaderLength + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame.AsSpan(HeaderLength));
        return frame;
    }

    /// <summary>The payload length a header announces, refused when out of bounds.</summary>
    public static int DecodeLength(ReadOnlySpan<byte> header)
    {
        int length = BinaryPrimitives.ReadInt32BigEndian(header);
        if (length < 0 || length > MaxLength)
            throw new ProtocolException($"message length {length} is outside 0..{MaxLength}");
        return length;
    }

    public static void Write(Socket socket, ReadOnlySpan<byte> payload) => SendAll(socket, Encode(payload));

    /// <summary>Reads one frame; null when the peer closed the connection before sending anything.</summary>
    public static byte[]? Read(Socket socket)
    {
        Span<byte> header = stackalloc byte[4];
        int got = ReceiveAll(socket, header);
        if (got == 0)
            return null;
        if (got < 4)
            throw new ProtocolException("connection closed inside a message header");
        int length = DecodeLength(header);
        var payload = new byte[length];
        if (ReceiveAll(socket, payload) < length)
            throw new ProtocolException($"connection closed after a partial message ({length} bytes announced)");
        return payload;
    }

    public static ValueTask WriteAsync(Socket socket, ReadOnlyMemory<byte> payload, CancellationToken cancel) =>
        SendAllAsync(socket, Encode(payload.Span), cancel);

    public static async ValueTask<byte[]?> ReadAsync(Socket socket, CancellationToken cancel)
    {
        var header = new byte[4];
        int got = await ReceiveAllAsync(socket, header, cancel);
        if (got == 0)
            return null;
        if (got < 4)
            throw new ProtocolException("connection closed inside a message header");
        int length = DecodeLength(header);
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
