using System.Net;

namespace Particle.Netlink;

/// <summary>The VXLAN settings of a link, parsed from IFLA_INFO_DATA.</summary>
public sealed record VxlanInfo
{
    public uint Vni { get; init; }

    /// <summary>UDP destination port, in host order here (the wire carries it big-endian).</summary>
    public ushort Port { get; init; }

    public IPAddress? Local { get; init; }

    /// <summary>IFLA_VXLAN_LINK: the underlay interface index, or null when unbound.</summary>
    public int? Link { get; init; }

    public bool Learning { get; init; }

    public byte? Ttl { get; init; }

    public bool? UdpChecksum { get; init; }
}
