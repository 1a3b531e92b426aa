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

    public static byte U8(ReadOnlySpan<byte> value) => value[0];

    public static ushort U16(ReadOnlySpan<byte> value) => MemoryMarshal.Read<ushort>(value);

    public static ushort U16BigEndian(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadUInt16BigEndian(value);

    public static uint U32(ReadOnlySpan<byte> value) => MemoryMarshal.Read<uint>(value);

    public static int I32(ReadOnlySpan<byte> value) => MemoryMarshal.Read<int>(value);

    /// <summary>A string with or without its NUL terminator.</summary>
    public static string String(ReadOnlySpan<byte> value)
    {
        int nul = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? value[..nul] : value);
    }

    public static IPAddress Address(ReadOnlySpan<byte> value) => new(value);
}
