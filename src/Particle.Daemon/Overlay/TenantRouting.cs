using Particle.Daemon.Configuration;
using Particle.Netlink;
using Particle.Netlink.Wire;

namespace Particle.Daemon.Overlay;

/// <summary>
/// Tenant isolation without VRF: packets that enter through a tenant's bridge or VXLAN device are routed
/// by the tenant's own table only (its local subnet and its remote node subnets) and otherwise refused;
/// packets the node itself sends to the tenant's cluster CIDR use the same table. See docs/overlay.md.
/// </summary>
public static class TenantRouting
{
    public static IEnumerable<FibRule> RulesOf(OverlaySettings overlay, string bridge)
    {
        foreach (var device in new[] { bridge, overlay.Device })
        {
            yield return new FibRule
            {
                Priority = OverlayKernel.LookupPriority, Table = overlay.Table, InputInterface = device, Protocol = OverlayKernel.Protocol,
            };
            yield return new FibRule
            {
                Priority = OverlayKernel.ProhibitPriority, Action = Fra.FR_ACT_PROHIBIT, InputInterface = device, Protocol = OverlayKernel.Protocol,
            };
        }
        // "iif lo" is the node's own traffic: it reaches local and remote pods of every tenant (and strict
        // reverse-path checks, which look the source up as if sent from the node, find the tenant's routes).
        yield return new FibRule
        {
            Priority = OverlayKernel.LookupPriority, Table = overlay.Table, InputInterface = "lo",
            Destination = new InterfaceAddress(overlay.ClusterCidr.BaseAddress, overlay.ClusterCidr.PrefixLength),
            Protocol = OverlayKernel.Protocol,
        };
    }

    /// <summary>
    /// Makes the node's overlay rules exactly <paramref name="wanted"/>: missing ones added, ours that no
    /// configured tenant wants (a tenant removed from the config) deleted; never a duplicate.
    /// </summary>
    public static (int Added, int Removed) Reconcile(RouteNetlink node, IReadOnlyCollection<FibRule> wanted)
    {
        var present = node.DumpRules().Where(r => r.Protocol == OverlayKernel.Protocol).ToList();
        var batch = node.Batch();
        int removed = 0, added = 0;
        foreach (var rule in present.Where(r => !wanted.Contains(r)))
        {
            batch.DeleteRule(rule);
            removed++;
        }
        foreach (var rule in wanted.Where(r => !present.Contains(r)))
        {
            batch.AddRule(rule);
            added++;
        }
        batch.Commit();
        return (added, removed);
    }
}
