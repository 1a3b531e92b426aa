using System.Net;

namespace Particle.Netlink;

/// <summary>What to create: a VXLAN device; no group, so remote VTEPs come from FDB entries.</summary>
public sealed record VxlanSpec
{
    public required string Name { get; init; }

    public required uint Vni { get; init; }

    /// <summary>UDP destination port in host order; encoded big-endian. 4789 is the IANA port, 8472 Linux's/flannel's.</summary>
    public ushort Port { get; init; } = 4789;

    public IPAddress? Local { get; init; }

    /// <summary>IFLA_VXLAN_LINK: the underlay device.</summary>
    public int? UnderlayIndex { get; init; }

    public bool Learning { get; init; }

    public int? Mtu { get; init; }

    public MacAddress? Mac { get; init; }

    public bool Up { get; init; }

    public byte? Ttl { get; init; }

    public bool? UdpChecksum { get; init; }
}
