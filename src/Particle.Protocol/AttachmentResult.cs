namespace Particle.Protocol;

/// <summary>
/// What an attachment looks like once the daemon has wired it: the CNI 1.1 result model, independent of
/// the cniVersion a runtime asked for. The plugin turns it into the shape of the requested version.
/// </summary>
public sealed class AttachmentResult
{
    public List<ResultInterface> Interfaces { get; set; } = [];
    public List<ResultIp> Ips { get; set; } = [];
    public List<ResultRoute> Routes { get; set; } = [];
    public ResultDns? Dns { get; set; }
}

public sealed class ResultInterface
{
    public string Name { get; set; } = "";
    public string? Mac { get; set; }
    public int? Mtu { get; set; }
    /// <summary>Namespace path for interfaces inside the container; null for host-side interfaces.</summary>
    public string? Sandbox { get; set; }
}

public sealed class ResultIp
{
    /// <summary>Address with prefix length, e.g. "10.1.0.5/16".</summary>
    public string Address { get; set; } = "";
    public string? Gateway { get; set; }
    /// <summary>Index into <see cref="AttachmentResult.Interfaces"/>.</summary>
    public int? Interface { get; set; }
}

public sealed class ResultRoute
{
    public string Dst { get; set; } = "";
    public string? Gw { get; set; }
    public int? Mtu { get; set; }
}

public sealed class ResultDns
{
    public List<string>? Nameservers { get; set; }
    public string? Domain { get; set; }
    public List<string>? Search { get; set; }
    public List<string>? Options { get; set; }
}
