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
}
