using System.Net;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

/// <summary>RTM_NEWROUTE replies into Route records.</summary>
internal static class RouteParser
{
    public static bool TryParse(NetlinkMessage message, out Route route)
    {
        route = null!;
        if (message.Type != Rtm.NEWROUTE || message.Payload.Length < Rta.RtMsgSize)
        {
            return false;
        }
        ReadOnlySpan<byte> header = message.Payload;
        byte dstLength = header[1];
        uint flags = message.Read<uint>(8);
        if ((flags & Rta.RTM_F_CLONED) != 0)
        {
            return false;
        }
        uint table = header[4];
        IPAddress? destination = null, gateway = null, source = null;
        int? oif = null, mtu = null;
        uint? metric = null;
        AttributeReader attributes = message.Attributes(Rta.RtMsgSize);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            switch (type)
            {
                case Rta.DST: destination = AttributeReader.Address(value); break;
                case Rta.GATEWAY: gateway = AttributeReader.Address(value); break;
                case Rta.PREFSRC: source = AttributeReader.Address(value); break;
                case Rta.OIF: oif = AttributeReader.I32(value); break;
                case Rta.PRIORITY: metric = AttributeReader.U32(value); break;
                case Rta.TABLE: table = AttributeReader.U32(value); break;
                case Rta.METRICS: mtu = ParseMtu(value); break;
            }
        }
        route = new Route
        {
            Destination = destination is null ? null : AttributeReader.Prefixed(destination, dstLength),
            Gateway = gateway,
            OutIndex = oif,
            OnLink = (flags & Rta.RTNH_F_ONLINK) != 0,
            Table = table,
            Protocol = header[5],
            Scope = header[6],
            Type = header[7],
            Metric = metric,
            Mtu = mtu,
            PreferredSource = source,
        };
        return true;
    }

    private static int? ParseMtu(ReadOnlySpan<byte> metrics)
    {
        var attributes = new AttributeReader(metrics);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type == Rta.RTAX_MTU)
            {
                return AttributeReader.I32(value);
            }
        }
        return null;
    }
}
