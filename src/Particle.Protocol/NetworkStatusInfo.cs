namespace Particle.Protocol;

/// <summary>One network's figures for particlectl status.</summary>
public sealed class NetworkStatusInfo
{
    public string Name { get; set; } = "";
    public string Subnet { get; set; } = "";
    public string Gateway { get; set; } = "";
    public string Bridge { get; set; } = "";
    /// <summary>Addresses the range can hand out, and how many are held (pool entries included).</summary>
    public long AddressesTotal { get; set; }
    public long AddressesUsed { get; set; }
    public NamespacePoolStatusInfo? NamespacePool { get; set; }
}

public sealed class NamespacePoolStatusInfo
{
    public string Folder { get; set; } = "";
    /// <summary>Free namespaces the daemon keeps wired.</summary>
    public int Size { get; set; }
    public int Free { get; set; }
    public int Claimed { get; set; }
    /// <summary>Namespaces being created right now.</summary>
    public int Filling { get; set; }
    public long Created { get; set; }
    public long Destroyed { get; set; }
    public string? LastError { get; set; }
}
