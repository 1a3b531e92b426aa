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

    /// <summary>The kernel's own "0: from all lookup local".</summary>
    public static FibRule KernelLocalRule { get; } = new() { Priority = 0, Table = Rta.RT_TABLE_LOCAL, Protocol = Rta.RTPROT_KERNEL };

    /// <summary>The local table's lookup behind the tenant rules (<see cref="OverlayKernel.LocalPriority"/>).</summary>
    public static FibRule MovedLocalRule { get; } = new() { Priority = OverlayKernel.LocalPriority, Table = Rta.RT_TABLE_LOCAL, Protocol = OverlayKernel.Protocol };

    /// <summary>
    /// Makes the node's overlay rules exactly <paramref name="wanted"/> (plus the moved local rule when there
    /// are any): missing ones added, ours that no configured tenant wants (a tenant removed from the config)
    /// deleted; never a duplicate. The local table is never left unreachable: its new rule is added before
    /// the kernel's is deleted, and with no tenants left the kernel's comes back before ours goes.
    /// </summary>
    public static (int Added, int Removed) Reconcile(RouteNetlink node, IReadOnlyCollection<FibRule> wanted)
    {
        var all = node.DumpRules();
        var present = all.Where(r => r.Protocol == OverlayKernel.Protocol).ToList();
        var target = wanted.Count == 0 ? [] : wanted.Append(MovedLocalRule).ToHashSet();
        var kernelLocal = all.Where(r => r.Priority == 0 && r.Table == Rta.RT_TABLE_LOCAL && r.Action == Fra.FR_ACT_TO_TBL).ToList();
        int removed = 0, added = 0;

        var first = node.Batch();
        if (target.Count == 0 && kernelLocal.Count == 0)
            first.AddRule(KernelLocalRule);
        foreach (var rule in target.Where(r => !present.Contains(r)))
        {
            first.AddRule(rule);
            added++;
        }
        first.Commit();

        var then = node.Batch();
        foreach (var rule in present.Where(r => !target.Contains(r)))
        {
            then.DeleteRule(rule);
            removed++;
        }
        if (target.Count > 0)
        {
            foreach (var rule in kernelLocal)
                then.DeleteRule(rule);
        }
        then.Commit();
        return (added, removed);
    }
}
