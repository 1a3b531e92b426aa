using System.Net;
using System.Net.Sockets;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

/// <summary>A route, for adding (defaults match `ip route add`) and as dumped.</summary>
public sealed record Route
{
    /// <summary>Null for the default route.</summary>
    public InterfaceAddress? Destination { get; init; }

    public IPAddress? Gateway { get; init; }

    public int? OutIndex { get; init; }

    /// <summary>RTNH_F_ONLINK: trust that the gateway is on the link even without a covering subnet route.</summary>
    public bool OnLink { get; init; }

    public uint Table { get; init; } = Rta.RT_TABLE_MAIN;

    /// <summary>Null picks what `ip route` picks: link scope for a unicast route without gateway, else universe.</summary>
    public byte? Scope { get; init; }

    public byte Protocol { get; init; } = Rta.RTPROT_BOOT;

    /// <summary>RTN_*; unicast for everything Particle adds.</summary>
    public byte Type { get; init; } = Rta.RTN_UNICAST;

    /// <summary>RTA_PRIORITY.</summary>
    public uint? Metric { get; init; }

    /// <summary>RTAX_MTU inside RTA_METRICS.</summary>
    public int? Mtu { get; init; }

    public IPAddress? PreferredSource { get; init; }

    public AddressFamily Family =>
        Destination?.Family ?? Gateway?.AddressFamily ?? PreferredSource?.AddressFamily ?? AddressFamily.InterNetwork;

    public byte EffectiveScope => Scope ?? (Gateway is null && Type == Rta.RTN_UNICAST ? Rta.RT_SCOPE_LINK : Rta.RT_SCOPE_UNIVERSE);

    public override string ToString()
    {
        string text = Destination?.ToString() ?? "default";
        if (Gateway is not null)
        {
            text += $" via {Gateway}";
        }
        if (OutIndex is int oif)
        {
            text += $" dev #{oif}";
        }
        if (OnLink)
        {
            text += " onlink";
        }
        if (Table != Rta.RT_TABLE_MAIN)
        {
            text += $" table {Table}";
        }
        if (Metric is uint metric)
        {
            text += $" metric {metric}";
        }
        return text;
    }
}
