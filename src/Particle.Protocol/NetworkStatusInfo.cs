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
    /// <summary>Every pool of the network by kind (namespace, endpoint, ...): free, in use and target.</summary>
    public List<PoolLevelInfo>? Pools { get; set; }
    /// <summary>Remote nodes the overlay knows; null without an overlay.</summary>
    public int? RemoteNodes { get; set; }
    /// <summary>Why the network cannot serve ADD right now (bridge missing, down, or without its gateway); null when it can.</summary>
    public string? Problem { get; set; }
    /// <summary>The most recent failure recorded for the network (see particlectl events), with its time.</summary>
    public string? LastError { get; set; }
}

public sealed class PoolLevelInfo
{
    public string Kind { get; set; } = "";
    public int Free { get; set; }
    public int InUse { get; set; }
    public int Target { get; set; }
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
