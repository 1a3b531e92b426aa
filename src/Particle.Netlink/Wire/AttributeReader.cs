using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Particle.Netlink.Wire;

/// <summary>Walks a run of attributes; the nested and byte-order flags are stripped from the type.</summary>
public ref struct AttributeReader
{
    private const ushort TypeMask = 0x3fff;

    private ReadOnlySpan<byte> _rest;

    public AttributeReader(ReadOnlySpan<byte> attributes)
    {
        _rest = attributes;
    }

    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (_rest.Length < 4)
        {
            return false;
        }
        int length = MemoryMarshal.Read<ushort>(_rest);
        if (length < 4 || length > _rest.Length)
        {
            throw new InvalidDataException($"netlink attribute length {length} does not fit the {_rest.Length} bytes left");
        }
        type = (ushort)(MemoryMarshal.Read<ushort>(_rest[2..]) & TypeMask);
        value = _rest[4..length];
        _rest = _rest[Math.Min(Nlmsg.Align(length), _rest.Length)..];
        return true;
    }

    // A value shorter than its type is the kernel (or whatever sent the datagram) breaking the format:
    // refused as InvalidDataException like a bad length, never read past.
    public static byte U8(ReadOnlySpan<byte> value) => Sized(value, 1)[0];

    public static ushort U16(ReadOnlySpan<byte> value) => MemoryMarshal.Read<ushort>(Sized(value, 2));

    public static ushort U16BigEndian(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadUInt16BigEndian(Sized(value, 2));

    public static uint U32(ReadOnlySpan<byte> value) => MemoryMarshal.Read<uint>(Sized(value, 4));

    public static int I32(ReadOnlySpan<byte> value) => MemoryMarshal.Read<int>(Sized(value, 4));

    private static ReadOnlySpan<byte> Sized(ReadOnlySpan<byte> value, int size) => value.Length >= size
        ? value
        : throw new InvalidDataException($"netlink attribute of {value.Length} bytes is too short for a {size}-byte value");

    /// <summary>A string with or without its NUL terminator.</summary>
    public static string String(ReadOnlySpan<byte> value)
    {
        int nul = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? value[..nul] : value);
    }

    /// <summary>An address with the prefix length of its family header, refused when the two do not fit.</summary>
    public static InterfaceAddress Prefixed(IPAddress address, int prefixLength) =>
        prefixLength <= (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128)
            ? new InterfaceAddress(address, prefixLength)
            : throw new InvalidDataException($"netlink prefix length {prefixLength} does not fit {address}");

    /// <summary>An IPv4 (4 bytes) or IPv6 (16 bytes) address.</summary>
    public static IPAddress Address(ReadOnlySpan<byte> value) => value.Length is 4 or 16
        ? new IPAddress(value)
        : throw new InvalidDataException($"netlink address attribute of {value.Length} bytes is neither IPv4 nor IPv6");
}
