using System.Runtime.InteropServices;

namespace Particle.Netlink.Wire;

/// <summary>Walks the messages of one received datagram; stops at the first malformed length.</summary>
public ref struct MessageReader
{
    private ReadOnlySpan<byte> _rest;

    public MessageReader(ReadOnlySpan<byte> datagram)
    {
        _rest = datagram;
    }

    public bool TryRead(out NetlinkMessage message)
    {
        if (_rest.Length < Nlmsg.HeaderSize)
        {
            message = default;
            return false;
        }
        int length = (int)MemoryMarshal.Read<uint>(_rest);
        if (length < Nlmsg.HeaderSize || length > _rest.Length)
        {
            throw new InvalidDataException($"netlink message length {length} does not fit the {_rest.Length} bytes left");
        }
        message = new NetlinkMessage(
            MemoryMarshal.Read<ushort>(_rest[4..]),
            MemoryMarshal.Read<ushort>(_rest[6..]),
            MemoryMarshal.Read<uint>(_rest[8..]),
            MemoryMarshal.Read<uint>(_rest[12..]),
            _rest[Nlmsg.HeaderSize..length]);
        _rest = _rest[Math.Min(Nlmsg.Align(length), _rest.Length)..];
        return true;
    }
}
