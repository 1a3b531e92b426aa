namespace Particle.Protocol;

/// <summary>A claimed pre-wired namespace: everything a platform needs to run a workload in it.</summary>
public sealed class ClaimInfo
{
    public string Network { get; set; } = "";
    /// <summary>The bind-mounted namespace, e.g. /run/particle/netns/pods-17; pass it to setns or podman --network ns:PATH.</summary>
    public string Netns { get; set; } = "";
    /// <summary>Address with prefix length, e.g. "10.88.0.5/16".</summary>
    public string Address { get; set; } = "";
    public string Gateway { get; set; } = "";
    /// <summary>The interface inside the namespace (eth0).</summary>
    public string Interface { get; set; } = "";
    public string Mac { get; set; } = "";
    /// <summary>The host end of the veth, on the network's bridge.</summary>
    public string HostInterface { get; set; } = "";
    public int Mtu { get; set; }
}
