using Particle.Linux;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

/// <summary>One NETLINK_ROUTE socket, bound for life to the network namespace it was opened in. Requests are
/// serialised under a lock; replies are matched by port id and sequence number, and anything else (a reply
/// left over from an abandoned request) is discarded.</summary>
public sealed partial class RouteNetlink : IDisposable
{
    // Keeps each sendmsg and the burst of acks it triggers well inside the socket buffers set below.
    private const int MaxChunkRequests = 256;
    private const int MaxChunkBytes = 128 * 1024;
    private const int SocketBufferBytes = 1024 * 1024;
    private const int DumpAttempts = 5;

    private readonly NetlinkSocket _socket;
    private readonly Lock _lock = new();
    private byte[] _receiveBuffer = new byte[32 * 1024];
    private uint _seq;

    private RouteNetlink(NetlinkSocket socket)
    {
        _socket = socket;
        _seq = (uint)Environment.TickCount;
    }

    internal delegate bool Parser<T>(NetlinkMessage message, out T item);

    public uint PortId => _socket.PortId;

    /// <summary>A socket in the calling thread's network namespace.</summary>
    public static RouteNetlink Open()
    {
        NetlinkSocket socket = NetlinkSocket.Open(Nlmsg.NETLINK_ROUTE);
        try
        {
            socket.SetOption(Nlmsg.SOL_NETLINK, Nlmsg.NETLINK_EXT_ACK, 1);
            // Acks then carry only the request's header, not the whole request back.
            socket.SetOption(Nlmsg.SOL_NETLINK, Nlmsg.NETLINK_CAP_ACK, 1);
            socket.SetBufferSizes(SocketBufferBytes);
            return new RouteNetlink(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A socket inside ns, usable from any thread afterwards.</summary>
    public static RouteNetlink OpenIn(NetworkNamespace ns) => ns.Run(Open);

    public NetlinkBatch Batch() => new(this);

    public void Dispose() => _socket.Dispose();

    private void Single(Func<NetlinkBatch, NetlinkBatch> add) => add(Batch()).Commit();

    internal void Execute(NetlinkBatch batch)
    {
        NetlinkException? first = Execute(batch, null);
        if (first is not null)
        {
            throw first;
        }
    }

    /// <summary>Sends the batch; every request's outcome lands in <paramref name="outcomes"/> when given.
    /// Returns the first failure.</summary>
    internal NetlinkException? Execute(NetlinkBatch batch, NetlinkException?[]? outcomes)
    {
        IReadOnlyList<BatchRequest> requests = batch.Requests;
        NetlinkException? first = null;
        lock (_lock)
        {
            for (int from = 0; from < requests.Count;)
            {
                int to = from + 1;
                while (to < requests.Count && to - from < MaxChunkRequests && requests[to].End - requests[from].Start <= MaxChunkBytes)
                {
                    to++;
                }
                uint firstSeq = _seq + 1;
                for (int i = from; i < to; i++)
                {
                    batch.Writer.SetSequence(requests[i].Start, ++_seq, PortId);
                }
                _socket.Send(batch.Writer.WrittenSpan[requests[from].Start..requests[to - 1].End]);
                try
                {
                    ReadAcks(batch, from, to, firstSeq, ref first, outcomes);
                }
                catch (InvalidDataException e)
                {
                    throw new NetlinkException(Linux.Errno.EPROTO, requests[from].Operation, requests[from].Object, "unreadable reply: " + e.Message);
                }
                from = to;
            }
        }
        return first;
    }

    private void ReadAcks(NetlinkBatch batch, int from, int to, uint firstSeq, ref NetlinkException? first, NetlinkException?[]? outcomes)
    {
        int pending = to - from;
        while (pending > 0)
        {
            int length = _socket.Receive(ref _receiveBuffer);
            var reader = new MessageReader(_receiveBuffer.AsSpan(0, length));
            while (reader.TryRead(out NetlinkMessage message))
            {
                uint offset = message.Seq - firstSeq;
                if (message.PortId != PortId || message.Type != Nlmsg.ERROR || offset >= (uint)(to - from))
                {
                    continue;
                }
                pending--;
                (int errno, string? extAck) = ParseError(message);
                if (errno != 0 && (first is null || outcomes is not null))
                {
                    BatchRequest request = batch.Requests[from + (int)offset];
                    bool inBatch = batch.Requests.Count > 1;
                    var error = new NetlinkException(errno, request.Operation, request.Object, extAck,
                        inBatch ? from + (int)offset : null, batch.Requests.Count);
                    first ??= error;
                    if (outcomes is not null)
                    {
                        outcomes[from + (int)offset] = error;
                    }
                }
            }
        }
    }

    /// <summary>Sends a get or dump request and parses every reply; restarts a dump the kernel marks as
    /// interrupted (NLM_F_DUMP_INTR: the table changed while it was being read).</summary>
    internal List<T> Query<T>(NetlinkWriter request, string operation, string? obj, Parser<T> parse)
    {
        lock (_lock)
        {
            for (int attempt = 0; attempt < DumpAttempts; attempt++)
            {
                uint seq = ++_seq;
                request.SetSequence(0, seq, PortId);
                _socket.Send(request.WrittenSpan);
                var items = new List<T>();
                bool interrupted;
                try
                {
                    interrupted = ReadReplies(seq, operation, obj, parse, items);
                }
                catch (InvalidDataException e)
                {
                    // A reply that breaks the format is a failed operation like any other, not a crash.
                    throw new NetlinkException(Linux.Errno.EPROTO, operation, obj, "unreadable reply: " + e.Message);
                }
                if (!interrupted)
                {
                    return items;
                }
            }
        }
        throw new NetlinkException(Linux.Errno.EINTR, operation, obj, $"dump interrupted {DumpAttempts} times by concurrent changes");
    }

    /// <summary>Reads until NLMSG_DONE, an error, or a single (non-multipart) reply; returns whether the dump was interrupted.</summary>
    private bool ReadReplies<T>(uint seq, string operation, string? obj, Parser<T> parse, List<T> items)
    {
        bool interrupted = false;
        while (true)
        {
            int length = _socket.Receive(ref _receiveBuffer);
            var reader = new MessageReader(_receiveBuffer.AsSpan(0, length));
            while (reader.TryRead(out NetlinkMessage message))
            {
                if (message.PortId != PortId || message.Seq != seq)
                {
                    continue;
                }
                interrupted |= (message.Flags & Nlmsg.F_DUMP_INTR) != 0;
                if (message.Type is Nlmsg.DONE or Nlmsg.ERROR)
                {
                    (int errno, string? extAck) = ParseError(message);
                    if (errno != 0)
                    {
                        throw new NetlinkException(errno, operation, obj, extAck);
                    }
                    return interrupted;
                }
                if (parse(message, out T item))
                {
                    items.Add(item);
                }
                if ((message.Flags & Nlmsg.F_MULTI) == 0)
                {
                    return interrupted;
                }
            }
        }
    }

    /// <summary>The positive errno and extended-ack text of an NLMSG_ERROR or NLMSG_DONE; errno 0 is success.</summary>
    internal static (int Errno, string? ExtAck) ParseError(NetlinkMessage message)
    {
        ReadOnlySpan<byte> payload = message.Payload;
        if (payload.Length < 4)
        {
            return (0, null);
        }
        int errno = -AttributeReader.I32(payload);
        if ((message.Flags & Nlmsg.F_ACK_TLVS) == 0)
        {
            return (errno, null);
        }
        // NLMSG_DONE: error code then TLVs. NLMSG_ERROR: error code, the request's header, and the request's
        // payload too unless the kernel capped the echo (NETLINK_CAP_ACK).
        int offset = 4;
        if (message.Type == Nlmsg.ERROR)
        {
            // The echoed request's length comes from the datagram: computed in 64 bits so a huge one
            // cannot wrap around into a negative offset.
            long echoed = (message.Flags & Nlmsg.F_CAPPED) != 0 || payload.Length < 8
                ? Nlmsg.HeaderSize
                : AttributeReader.U32(payload[4..]);
            offset = (int)Math.Min(payload.Length, 4 + ((echoed + 3) & ~3L));
        }
        var attributes = new AttributeReader(payload[offset..]);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type == Nlmsg.NLMSGERR_ATTR_MSG)
            {
                return (errno, AttributeReader.String(value));
            }
        }
        return (errno, null);
    }
}
