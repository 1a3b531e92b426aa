using System.Net;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

/// <summary>RTM_NEWNEIGH replies into Neighbour (ARP/NDP) and FdbEntry (AF_BRIDGE) records.</summary>
internal static class NeighbourParser
{
    public static bool TryParseNeighbour(NetlinkMessage message, out Neighbour neighbour)
    {
        neighbour = null!;
        if (!TryParse(message, out byte family, out int index, out ushort state, out _, out IPAddress? dst, out MacAddress? mac, out _)
            || family == Nda.AF_BRIDGE || dst is null)
        {
            return false;
        }
        neighbour = new Neighbour { Index = index, Address = dst, Mac = mac, State = state };
        return true;
    }

    public static bool TryParseFdb(NetlinkMessage message, out FdbEntry entry)
    {
        entry = null!;
        if (!TryParse(message, out byte family, out int index, out ushort state, out byte flags, out IPAddress? dst, out MacAddress? mac, out uint? vni)
            || family != Nda.AF_BRIDGE || mac is not MacAddress address)
        {
            return false;
        }
        entry = new FdbEntry
        {
            Index = index,
            Mac = address,
            Destination = dst,
            Vni = vni,
            Self = (flags & Nda.NTF_SELF) != 0,
            Master = (flags & Nda.NTF_MASTER) != 0,
            State = state,
        };
        return true;
    }

    private static bool TryParse(NetlinkMessage message, out byte family, out int index, out ushort state, out byte flags,
        out IPAddress? dst, out MacAddress? mac, out uint? vni)
    {
        family = 0;
        index = 0;
        state = 0;
        flags = 0;
        dst = null;
        mac = null;
        vni = null;
        if (message.Type != Rtm.NEWNEIGH || message.Payload.Length < Nda.NdMsgSize)
        {
            return false;
        }
        family = message.Payload[0];
        index = message.Read<int>(4);
        state = message.Read<ushort>(8);
        flags = message.Payload[10];
        AttributeReader attributes = message.Attributes(Nda.NdMsgSize);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case Nda.DST: dst = AttributeReader.Address(value); break;
                case Nda.LLADDR when value.Length == 6: mac = MacAddress.FromBytes(value); break;
                case Nda.VNI: vni = AttributeReader.U32(value); break;
            }
        }
        return true;
    }
}
