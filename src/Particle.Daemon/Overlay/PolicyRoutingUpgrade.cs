using Particle.Netlink;
using Particle.Netlink.Wire;

namespace Particle.Daemon.Overlay;

/// <summary>
/// Releases with a bridge data plane isolated tenants by policy routing: a routing table per tenant,
/// "iif DEV" rules tagged proto 112, and the kernel's "lookup local" rule moved from priority 0 behind
/// them. Isolation is the firewall's now and every route lives in main, so at start whatever of that is
/// left goes: the kernel's local rule back at 0 first (the local table is never unreachable), then our
/// rules, then our routes in tables other than main.
/// </summary>
public static class PolicyRoutingUpgrade
{
    private static readonly FibRule KernelLocalRule = new() { Priority = 0, Table = Rta.RT_TABLE_LOCAL, Protocol = Rta.RTPROT_KERNEL };

    /// <summary>Returns how many rules and routes were removed.</summary>
    public static (int Rules, int Routes) Remove(RouteNetlink node)
    {
        var rules = node.DumpRules();
        var ours = rules.Where(r => r.Protocol == OverlayKernel.Protocol).ToList();
        var routes = node.DumpRoutes(System.Net.Sockets.AddressFamily.InterNetwork)
            .Where(r => r.Protocol == OverlayKernel.Protocol && r.Table != Rta.RT_TABLE_MAIN)
            .ToList();
        if (ours.Count == 0 && routes.Count == 0)
            return (0, 0);
        if (!rules.Any(r => r.Priority == 0 && r.Table == Rta.RT_TABLE_LOCAL && r.Action == Fra.FR_ACT_TO_TBL))
            node.AddRule(KernelLocalRule);
        var batch = node.Batch();
        foreach (var rule in ours)
            batch.DeleteRule(rule);
        foreach (var route in routes)
            batch.DeleteRoute(route);
        batch.Commit();
        return (ours.Count, routes.Count);
    }
}
