using System.Runtime.InteropServices;

namespace Particle.Netlink.Wire;

/// <summary>One received message: header fields and the payload after the 16-byte header.</summary>
public readonly ref struct NetlinkMessage
{
    public NetlinkMessage(ushort type, ushort flags, uint seq, uint portId, ReadOnlySpan<byte> payload)
    {
        Type = type;
        Flags = flags;
        Seq = seq;
        PortId = portId;
        Payload = payload;
    }

    public ushort Type { get; }

    public ushort Flags { get; }

    public uint Seq { get; }

    public uint PortId { get; }

    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The attributes after a family header of the given size.</summary>
    public AttributeReader Attributes(int familyHeaderSize) =>
        new(Payload.Length >= familyHeaderSize ? Payload[Nlmsg.Align(familyHeaderSize)..] : default);

    public T Read<T>(int offset) where T : unmanaged => MemoryMarshal.Read<T>(Payload[offset..]);
}
