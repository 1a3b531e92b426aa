using Particle.Daemon.Ipam;
using Particle.Daemon.Kernel;
using Particle.Netlink;

namespace Particle.Daemon.Pool;

/// <summary>
/// One pre-wired namespace: a bind mount at <see cref="Path"/> holding eth0 with its address and default
/// route, the host end of its veth on the bridge. Its address is an ordinary committed allocation under
/// a reserved attachment id (<c>pool-&lt;network&gt;-&lt;n&gt;/eth0</c>), so the journal and the start-up
/// reconciliation account for it like for any pod.
/// </summary>
public sealed class PooledNamespace(string name, string path, Allocation allocation, ulong inode, MacAddress hostMac, MacAddress podMac)
{
    public const string IfName = "eth0";

    /// <summary>&lt;network&gt;-&lt;n&gt;: the file name under the pool folder and of the claim record.</summary>
    public string Name { get; } = name;
    public string Path { get; } = path;
    public Allocation Allocation { get; } = allocation;
    public AttachmentId Id => Allocation.Id;
    public string HostName => HostVethName.For(Allocation.Id);
    /// <summary>Namespace identity: a runtime may pass the pin's path or another path to the same namespace.</summary>
    public ulong Inode { get; } = inode;
    public MacAddress HostMac { get; } = hostMac;
    public MacAddress PodMac { get; } = podMac;

    /// <summary>Handed out by CLAIM; a free entry is never usable by a CNI ADD.</summary>
    public bool Claimed { get; set; }
    /// <summary>The CNI attachment (network, container, ifname) a runtime ADDed on the claimed namespace.</summary>
    public AttachmentId? CniKey { get; set; }

    public static string ContainerIdFor(string network, long index) => $"pool-{network}-{index}";
}
