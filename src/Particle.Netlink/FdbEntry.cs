using System.Net;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

/// <summary>A bridge forwarding entry (RTM_NEWNEIGH, AF_BRIDGE); on a VXLAN device it maps a MAC to a remote VTEP.</summary>
public sealed record FdbEntry
{
    public required int Index { get; init; }

    public required MacAddress Mac { get; init; }

    /// <summary>NDA_DST: the remote VTEP address.</summary>
    public IPAddress? Destination { get; init; }

    public uint? Vni { get; init; }

    /// <summary>NTF_SELF: the entry belongs to the device's own table (what VXLAN needs).</summary>
    public bool Self { get; init; } = true;

    /// <summary>NTF_MASTER: the entry belongs to the bridge the device is enslaved to.</summary>
    public bool Master { get; init; }

    public ushort State { get; init; } = Nda.NUD_PERMANENT;

    public override string ToString() =>
        $"{Mac} dev #{Index}{(Destination is null ? "" : $" dst {Destination}")}{(Vni is uint v ? $" vni {v}" : "")}";
}
