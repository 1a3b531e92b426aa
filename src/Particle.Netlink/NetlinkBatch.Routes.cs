using System.Net;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

public sealed partial class NetlinkBatch
{
    /// <summary>ip route add DEST [via GW] [dev #OIF] [onlink] [table T] [metric M] [mtu MTU] [src IP]
    /// (`ip route replace` when replace)</summary>
    public NetlinkBatch AddRoute(Route route, bool replace = false)
    {
        int start = Begin(Rtm.NEWROUTE, (ushort)(Nlmsg.F_CREATE | (replace ? Nlmsg.F_REPLACE : Nlmsg.F_EXCL)));
        RouteBody(route, route.Protocol, route.EffectiveScope, route.Type);
        if (route.Mtu is int mtu)
        {
            using (_writer.Nested(Rta.METRICS))
            {
                _writer.AttributeI32(Rta.RTAX_MTU, mtu);
            }
        }
        return End(start, Rtm.NEWROUTE, route.ToString());
    }

    /// <summary>ip route del DEST [via GW] [dev #OIF] [table T] [metric M]; protocol, scope and type match anything,
    /// as with `ip route del`.</summary>
    public NetlinkBatch DeleteRoute(Route route)
    {
        int start = Begin(Rtm.DELROUTE, 0);
        RouteBody(route, Rta.RTPROT_UNSPEC, Rta.RT_SCOPE_NOWHERE, Rta.RTN_UNSPEC);
        return End(start, Rtm.DELROUTE, route.ToString());
    }

    private void RouteBody(Route route, byte protocol, byte scope, byte type)
    {
        byte family = route.Family == System.Net.Sockets.AddressFamily.InterNetworkV6 ? (byte)10 : (byte)2;
        byte dstLength = (byte)(route.Destination?.PrefixLength ?? 0);
        // Tables above 255 only fit RTA_TABLE; the header field then says "see attribute".
        byte table = route.Table < 256 ? (byte)route.Table : Rta.RT_TABLE_UNSPEC;
        _writer.RtMsg(family, dstLength, table, protocol, scope, type, route.OnLink ? Rta.RTNH_F_ONLINK : 0);
        _writer.AttributeU32(Rta.TABLE, route.Table);
        if (route.Destination is InterfaceAddress destination && destination.PrefixLength > 0)
        {
            _writer.AttributeAddress(Rta.DST, destination.Network.Address);
        }
        if (route.Gateway is IPAddress gateway)
        {
            _writer.AttributeAddress(Rta.GATEWAY, gateway);
        }
        if (route.OutIndex is int oif)
        {
            _writer.AttributeI32(Rta.OIF, oif);
        }
        if (route.Metric is uint metric)
        {
            _writer.AttributeU32(Rta.PRIORITY, metric);
        }
        if (route.PreferredSource is IPAddress source)
        {
            _writer.AttributeAddress(Rta.PREFSRC, source);
        }
    }
}
