namespace Particle.Daemon.Overlay;

/// <summary>Marks on the kernel objects the overlay owns, so a restarted daemon can tell them from anyone else's.</summary>
public static class OverlayKernel
{
    /// <summary>rtm_protocol of every route particled adds towards remote nodes (unassigned in
    /// /etc/iproute2/rt_protos; `ip route show proto 112`). Pods' own routes carry 113.</summary>
    public const byte Protocol = 112;
}
