namespace Particle.Netlink;

/// <summary>What to create: a veth pair, optionally with its peer born inside another namespace.</summary>
public sealed record VethSpec
{
    public required string Name { get; init; }

    public required string PeerName { get; init; }

    /// <summary>Applied to both ends; a veth pair with unequal MTUs drops the larger frames.</summary>
    public int? Mtu { get; init; }

    public MacAddress? Mac { get; init; }

    public MacAddress? PeerMac { get; init; }

    /// <summary>Creates the peer directly in this namespace (IFLA_NET_NS_FD), avoiding a later move. Must stay
    /// open until the request is sent.</summary>
    public Linux.NetworkNamespace? PeerNamespace { get; init; }

    /// <summary>Enslaves the host end at creation (IFLA_MASTER).</summary>
    public int? MasterIndex { get; init; }

    public bool Up { get; init; }

    /// <summary>The host end's device group (IFLA_GROUP) at creation: how a daemon tells its devices from others'.</summary>
    public uint? Group { get; init; }

    /// <summary>The kernel refuses IFF_UP on a veth peer during creation (ENOTCONN: the peer is opened before the
    /// pair is linked). In the same namespace this adds an RTM_SETLINK by name to the same send; for a peer in
    /// PeerNamespace, Commit brings it up afterwards from a socket inside that namespace.</summary>
    public bool PeerUp { get; init; }
}
