using System.Net.Sockets;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

/// <summary>
/// A policy routing rule (RTM_NEWRULE), for adding and as dumped: which packets (incoming interface,
/// destination, source) consult which table, or are refused outright (prohibit, unreachable, blackhole).
/// </summary>
public sealed record FibRule
{
    public AddressFamily Family { get; init; } = AddressFamily.InterNetwork;

    /// <summary>FRA_PRIORITY: lower is consulted first; the kernel's own rules sit at 0, 32766 and 32767.</summary>
    public required uint Priority { get; init; }

    /// <summary>FR_ACT_*: lookup in <see cref="Table"/> (to_tbl), or a terminating prohibit/unreachable/blackhole.</summary>
    public byte Action { get; init; } = Fra.FR_ACT_TO_TBL;

    /// <summary>FRA_TABLE; only meaningful for the lookup action.</summary>
    public uint Table { get; init; }

    /// <summary>FRA_IIFNAME: packets that arrived on this interface ("lo" matches locally generated ones).</summary>
    public string? InputInterface { get; init; }

    public string? OutputInterface { get; init; }

    /// <summary>FRA_DST with dst_len: packets to this prefix.</summary>
    public InterfaceAddress? Destination { get; init; }

    public InterfaceAddress? Source { get; init; }

    /// <summary>FRA_PROTOCOL: who installed the rule, so a daemon can recognise its own rules after a restart.</summary>
    public byte Protocol { get; init; }

    public override string ToString()
    {
        string text = $"{Priority}:";
        if (Source is InterfaceAddress source)
        {
            text += $" from {source}";
        }
        if (Destination is InterfaceAddress destination)
        {
            text += $" to {destination}";
        }
        if (InputInterface is not null)
        {
            text += $" iif {InputInterface}";
        }
        if (OutputInterface is not null)
        {
            text += $" oif {OutputInterface}";
        }
        text += Action switch
        {
            Fra.FR_ACT_TO_TBL => $" lookup {Table}",
            Fra.FR_ACT_PROHIBIT => " prohibit",
            Fra.FR_ACT_UNREACHABLE => " unreachable",
            Fra.FR_ACT_BLACKHOLE => " blackhole",
            var other => $" action {other}",
        };
        return text;
    }
}
