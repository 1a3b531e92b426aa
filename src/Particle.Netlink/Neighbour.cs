using System.Net;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

/// <summary>An ARP or NDP entry (RTM_NEWNEIGH, AF_INET/AF_INET6).</summary>
public sealed record Neighbour
{
    public required int Index { get; init; }

    public required IPAddress Address { get; init; }

    public MacAddress? Mac { get; init; }

    /// <summary>NUD_*; permanent entries never expire and survive link flaps.</summary>
    public ushort State { get; init; } = Nda.NUD_PERMANENT;

    public override string ToString() => $"{Address} lladdr {Mac?.ToString() ?? "none"} dev #{Index} nud 0x{State:x}";
}
