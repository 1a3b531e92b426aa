namespace Particle.Daemon.Ipam;

/// <summary>What an address is allocated to: the CNI key (network, container id, interface name).</summary>
public readonly record struct AttachmentId(string Network, string ContainerId, string IfName)
{
    public override string ToString() => $"{Network}/{ContainerId}/{IfName}";
}
