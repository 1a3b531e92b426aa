using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Particle.Netlink.Wire;

/// <summary>Appends netlink messages to one growing buffer, so several requests can go out in a single send.
/// Integers are host byte order as netlink requires, except where a method says network order.</summary>
public sealed class NetlinkWriter
{
    private byte[] _buffer;
    private int _length;

    public NetlinkWriter(int capacity = 256)
    {
        _buffer = new byte[capacity];
    }

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public Span<byte> WrittenMutable => _buffer.AsSpan(0, _length);

    /// <summary>Starts a message with zero seq and port id (patched at send time); returns its offset for EndMessage.</summary>
    public int BeginMessage(ushort type, ushort flags)
    {
        int start = _length;
        Span<byte> header = Reserve(Nlmsg.HeaderSize);
        MemoryMarshal.Write(header[4..], in type);
        MemoryMarshal.Write(header[6..], in flags);
        return start;
    }

    public void EndMessage(int start) => PatchLength(start);

    /// <summary>Stamps seq and port id into the message at start.</summary>
    public void SetSequence(int start, uint seq, uint portId)
    {
        Span<byte> header = _buffer.AsSpan(start, Nlmsg.HeaderSize);
        MemoryMarshal.Write(header[8..], in seq);
        MemoryMarshal.Write(header[12..], in portId);
    }

    /// <summary>struct ifinfomsg: family, pad, type, index, flags, change.</summary>
    public void IfInfoMsg(int index, uint flags = 0, uint change = 0, byte family = 0)
    {
        Span<byte> s = Reserve(Ifla.IfInfoMsgSize);
        s[0] = family;
        MemoryMarshal.Write(s[4..], in index);
        MemoryMarshal.Write(s[8..], in flags);
        MemoryMarshal.Write(s[12..], in change);
    }

    /// <summary>struct ifaddrmsg: family, prefixlen, flags, scope, index.</summary>
    public void IfAddrMsg(byte family, byte prefixLength, byte scope, int index)
    {
        Span<byte> s = Reserve(Ifa.IfAddrMsgSize);
        s[0] = family;
        s[1] = prefixLength;
        s[3] = scope;
        MemoryMarshal.Write(s[4..], in index);
    }

    /// <summary>struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags.</summary>
    public void RtMsg(byte family, byte dstLength, byte table, byte protocol, byte scope, byte type, uint flags)
    {
        Span<byte> s = Reserve(Rta.RtMsgSize);
        s[0] = family;
        s[1] = dstLength;
        s[4] = table;
        s[5] = protocol;
        s[6] = scope;
        s[7] = type;
        MemoryMarshal.Write(s[8..], in flags);
    }

    /// <summary>struct fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2, action, flags.</summary>
    public void FibRuleHdr(byte family, byte dstLength, byte srcLength, byte table, byte action)
    {
        Span<byte> s = Reserve(Fra.FibRuleHdrSize);
        s[0] = family;
        s[1] = dstLength;
        s[2] = srcLength;
        s[4] = table;
        s[7] = action;
    }

    /// <summary>struct ndmsg: family, pad, pad, ifindex, state, flags, type.</summary>
    public void NdMsg(byte family, int index, ushort state, byte flags)
    {
        Span<byte> s = Reserve(Nda.NdMsgSize);
        s[0] = family;
        MemoryMarshal.Write(s[4..], in index);
        MemoryMarshal.Write(s[8..], in state);
        s[10] = flags;
    }

    public void Attribute(ushort type, ReadOnlySpan<byte> value)
    {
        Span<byte> s = Reserve(Nlmsg.Align(4 + value.Length));
        ushort length = (ushort)(4 + value.Length);
        MemoryMarshal.Write(s, in length);
        MemoryMarshal.Write(s[2..], in type);
        value.CopyTo(s[4..]);
    }

    public void AttributeU8(ushort type, byte value) => Attribute(type, [value]);

    public void AttributeU16(ushort type, ushort value) => Attribute(type, MemoryMarshal.AsBytes(new ReadOnlySpan<ushort>(in value)));

    public void AttributeU32(ushort type, uint value) => Attribute(type, MemoryMarshal.AsBytes(new ReadOnlySpan<uint>(in value)));

    public void AttributeI32(ushort type, int value) => AttributeU32(type, (uint)value);

    /// <summary>A 16-bit value in network byte order, as some attributes (IFLA_VXLAN_PORT) require.</summary>
    public void AttributeU16BigEndian(ushort type, ushort value)
    {
        Span<byte> s = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(s, value);
        Attribute(type, s);
    }

    /// <summary>A NUL-terminated string (NLA_NUL_STRING / NLA_STRING both accept it).</summary>
    public void AttributeString(ushort type, string value)
    {
        Span<byte> s = stackalloc byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, s);
        s[^1] = 0;
        Attribute(type, s);
    }

    /// <summary>A string without terminator, the form iproute2 uses for IFLA_INFO_KIND.</summary>
    public void AttributeStringRaw(ushort type, string value) => Attribute(type, Encoding.UTF8.GetBytes(value));

    public void AttributeAddress(ushort type, IPAddress address)
    {
        Span<byte> s = stackalloc byte[16];
        if (!address.TryWriteBytes(s, out int written))
        {
            throw new ArgumentException($"cannot encode {address}", nameof(address));
        }
        Attribute(type, s[..written]);
    }

    public void AttributeMac(ushort type, MacAddress mac)
    {
        Span<byte> s = stackalloc byte[6];
        mac.WriteTo(s);
        Attribute(type, s);
    }

    /// <summary>Opens a nested attribute; its length is back-patched when the returned scope is disposed.</summary>
    public Nest Nested(ushort type)
    {
        int start = _length;
        Span<byte> s = Reserve(4);
        MemoryMarshal.Write(s[2..], in type);
        return new Nest(this, start);
    }

    /// <summary>Raw space for a family header inside a nested attribute (VETH_INFO_PEER carries an ifinfomsg).</summary>
    public Span<byte> Reserve(int count)
    {
        int aligned = Nlmsg.Align(count);
        if (_length + aligned > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + aligned));
        }
        Span<byte> s = _buffer.AsSpan(_length, aligned);
        s.Clear();
        _length += aligned;
        return s[..count];
    }

    public void Clear() => _length = 0;

    public static byte Family(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => 2,
        AddressFamily.InterNetworkV6 => 10,
        _ => throw new ArgumentException($"{address} is neither IPv4 nor IPv6", nameof(address)),
    };

    private void PatchLength(int start)
    {
        uint length = (uint)(_length - start);
        MemoryMarshal.Write(_buffer.AsSpan(start), in length);
    }

    private void PatchAttributeLength(int start)
    {
        ushort length = (ushort)(_length - start);
        MemoryMarshal.Write(_buffer.AsSpan(start), in length);
    }

    /// <summary>The open nested attribute; Dispose writes its final length.</summary>
    public readonly struct Nest(NetlinkWriter writer, int start) : IDisposable
    {
        public void Dispose() => writer.PatchAttributeLength(start);
    }
}
