namespace Particle.Daemon.Kernel;

/// <summary>Marks on the kernel objects particled makes for pods, so a restarted daemon can tell them from anyone else's.</summary>
public static class PodKernel
{
    /// <summary>rtm_protocol of each pod's host route (`ip route show proto 113`); the overlay's routes carry 112.</summary>
    public const byte RouteProtocol = 113;

    /// <summary>The device group of the host ends of live pods ("PCP"); retired pairs move to <see cref="Graveyard.Group"/>.</summary>
    public const uint Group = 0x504350;
}
