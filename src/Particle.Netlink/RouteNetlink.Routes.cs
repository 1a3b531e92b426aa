using System.Net.Sockets;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

public sealed partial class RouteNetlink
{
    /// <inheritdoc cref="NetlinkBatch.AddRoute"/>
    public void AddRoute(Route route, bool replace = false) => Single(b => b.AddRoute(route, replace));

    /// <inheritdoc cref="NetlinkBatch.DeleteRoute"/>
    public void DeleteRoute(Route route) => Single(b => b.DeleteRoute(route));

    /// <summary>ip [-6] route show table all|T — every table when table is null; cached clones are left out.</summary>
    public IReadOnlyList<Route> DumpRoutes(AddressFamily family, uint? table = null)
    {
        byte af = family == AddressFamily.InterNetworkV6 ? (byte)10 : (byte)2;
        List<Route> all = Query<Route>(DumpRequest(Rtm.GETROUTE, Rta.RtMsgSize, af), "RTM_GETROUTE", "dump", RouteParser.TryParse);
        return table is uint t ? all.FindAll(r => r.Table == t) : all;
    }
}
