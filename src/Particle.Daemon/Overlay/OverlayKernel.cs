namespace Particle.Daemon.Overlay;

/// <summary>Marks on the kernel objects the overlay owns, so a restarted daemon can tell them from anyone else's.</summary>
public static class OverlayKernel
{
    /// <summary>rtm_protocol / FRA_PROTOCOL of every route and rule particled adds for the overlay (unassigned in
    /// /etc/iproute2/rt_protos; `ip route show proto 112`).</summary>
    public const byte Protocol = 112;

    /// <summary>A tenant's "iif DEV lookup TABLE" rules: before main (32766), after local (0).</summary>
    public const uint LookupPriority = 1000;

    /// <summary>A tenant's "iif DEV prohibit" rules, right after its lookups: what the tenant's table does not
    /// route is refused instead of falling through to main, where every other tenant's subnets are.</summary>
    public const uint ProhibitPriority = 1001;

    /// <summary>Where the kernel's "lookup local" rule moves from 0, behind the tenant rules: a pod then reaches
    /// only the node addresses its tenant's table lists (its gateway), not the node's others — not the
    /// underlay address and its VXLAN port, through which it could otherwise inject frames into another
    /// tenant. Every other packet still meets the local table first, before main.</summary>
    public const uint LocalPriority = 1500;
}
