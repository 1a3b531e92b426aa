namespace Particle.Netlink;

/// <summary>A network interface as the kernel reports it (RTM_NEWLINK).</summary>
public sealed record Link
{
    public required int Index { get; init; }

    public required string Name { get; init; }

    /// <summary>IFLA_INFO_KIND: "veth", "bridge", "vxlan"; null for physical devices and loopback.</summary>
    public string? Kind { get; init; }

    public int Mtu { get; init; }

    public MacAddress? Mac { get; init; }

    public int? MasterIndex { get; init; }

    /// <summary>IFLA_LINK: for a veth, the peer's index (in the namespace LinkNetnsId names, if set).</summary>
    public int? ParentIndex { get; init; }

    /// <summary>ifi_flags (IFF_*).</summary>
    public uint Flags { get; init; }

    public bool IsUp => (Flags & Wire.Ifla.IFF_UP) != 0;

    public string? Alias { get; init; }

    public int? LinkNetnsId { get; init; }

    /// <summary>IF_OPER_* (RFC 2863): 2 down, 6 up, 0 unknown.</summary>
    public uint? OperState { get; init; }

    public VxlanInfo? Vxlan { get; init; }

    /// <summary>IFLA_GROUP: the device group (0 is the default group).</summary>
    public uint Group { get; init; }
}
