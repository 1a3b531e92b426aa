using Particle.Protocol;

namespace Particle.Cni;

/// <summary>
/// A CNI result in the richest (1.1.0) model. Both the daemon's answer and a chained prevResult of any
/// version are turned into this, merged, and only then written in the shape of the requested version.
/// It carries the 1.1 fields the Protocol model lacks (socketPath, advmss, ...) so a prevResult from an
/// earlier plugin passes through unchanged.
/// </summary>
internal sealed class CniResult
{
    public List<CniInterface> Interfaces { get; } = [];
    public List<CniIp> Ips { get; } = [];
    public List<CniRoute> Routes { get; } = [];
    public CniDns Dns { get; set; } = new();

    public static CniResult From(AttachmentResult attachment)
    {
        var result = new CniResult();
        foreach (var i in attachment.Interfaces)
            result.Interfaces.Add(new CniInterface { Name = i.Name, Mac = i.Mac, Mtu = i.Mtu, Sandbox = i.Sandbox });
        foreach (var ip in attachment.Ips)
            result.Ips.Add(new CniIp { Address = ip.Address, Gateway = ip.Gateway, Interface = ip.Interface });
        foreach (var r in attachment.Routes)
            result.Routes.Add(new CniRoute { Dst = r.Dst, Gw = r.Gw, Mtu = r.Mtu });
        if (attachment.Dns is { } dns)
        {
            result.Dns = new CniDns
            {
                Nameservers = dns.Nameservers ?? [],
                Domain = dns.Domain,
                Search = dns.Search ?? [],
                Options = dns.Options ?? [],
            };
        }
        return result;
    }

    /// <summary>
    /// Chaining: an earlier plugin's result comes first and ours is appended. Our interface indices are
    /// shifted by the number of interfaces before ours, so they keep pointing at our interfaces.
    /// </summary>
    public static CniResult Merge(CniResult previous, CniResult ours)
    {
        var merged = new CniResult();
        merged.Interfaces.AddRange(previous.Interfaces);
        merged.Interfaces.AddRange(ours.Interfaces);
        merged.Ips.AddRange(previous.Ips);
        int offset = previous.Interfaces.Count;
        foreach (var ip in ours.Ips)
            merged.Ips.Add(ip with { Interface = ip.Interface + offset });
        merged.Routes.AddRange(previous.Routes);
        merged.Routes.AddRange(ours.Routes);
        merged.Dns = CniDns.Merge(previous.Dns, ours.Dns);
        return merged;
    }
}

internal sealed record CniInterface
{
    public string Name { get; init; } = "";
    public string? Mac { get; init; }
    public int? Mtu { get; init; }
    /// <summary>Null or empty for host-side interfaces.</summary>
    public string? Sandbox { get; init; }
    public string? SocketPath { get; init; }
    public string? PciId { get; init; }
}

internal sealed record CniIp
{
    /// <summary>Address with prefix length, e.g. "10.1.0.5/16".</summary>
    public string Address { get; init; } = "";
    public string? Gateway { get; init; }
    public int? Interface { get; init; }

    public bool IsIPv6 => Address.Contains(':');
}

internal sealed record CniRoute
{
    public string Dst { get; init; } = "";
    public string? Gw { get; init; }
    public int? Mtu { get; init; }
    public int? AdvMss { get; init; }
    public int? Priority { get; init; }
    public int? Table { get; init; }
    public int? Scope { get; init; }

    public bool IsIPv6 => Dst.Contains(':');
}

internal sealed record CniDns
{
    public List<string> Nameservers { get; init; } = [];
    public string? Domain { get; init; }
    public List<string> Search { get; init; } = [];
    public List<string> Options { get; init; } = [];

    /// <summary>Lists are unions in order (earlier plugin first); the earlier plugin's domain wins when set.</summary>
    public static CniDns Merge(CniDns first, CniDns second) => new()
    {
        Nameservers = Union(first.Nameservers, second.Nameservers),
        Domain = string.IsNullOrEmpty(first.Domain) ? second.Domain : first.Domain,
        Search = Union(first.Search, second.Search),
        Options = Union(first.Options, second.Options),
    };

    private static List<string> Union(List<string> a, List<string> b)
    {
        var list = new List<string>(a);
        foreach (string item in b)
        {
            if (!list.Contains(item))
                list.Add(item);
        }
        return list;
    }
}
