namespace Particle.Protocol;

/// <summary>One network's figures for particlectl status.</summary>
public sealed class NetworkStatusInfo
{
    public string Name { get; set; } = "";
    public string Subnet { get; set; } = "";
    public string Gateway { get; set; } = "";
    /// <summary>The node device holding the gateway address.</summary>
    public string GatewayInterface { get; set; } = "";
    /// <summary>Addresses the range can hand out, and how many are held (pool entries included).</summary>
    public long AddressesTotal { get; set; }
    public long AddressesUsed { get; set; }
    public NamespacePoolStatusInfo? NamespacePool { get; set; }
    public EndpointPoolStatusInfo? EndpointPool { get; set; }
    /// <summary>Addresses held by CNI attachments (pool entries not counted).</summary>
    public long? AttachmentsInUse { get; set; }
    /// <summary>Veth pairs a DEL retired and the background deleter has not removed yet (node-wide).</summary>
    public int? RetiredPending { get; set; }
    /// <summary>Veth creations of ADDs and the sendmsg batches they went out in (node-wide; creations / batches = coalescing).</summary>
    public long? VethCreations { get; set; }
    public long? VethBatches { get; set; }
    /// <summary>Every pool of the network by kind (namespace, endpoint, ...): free, in use and target.</summary>
    public List<PoolLevelInfo>? Pools { get; set; }
    /// <summary>Remote nodes the overlay knows; null without an overlay.</summary>
    public int? RemoteNodes { get; set; }
    /// <summary>Why the network cannot serve ADD right now (gateway device missing, down, or without its gateway); null when it can.</summary>
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

/// <summary>The endpoint pool of a network: addresses reserved and journaled ahead of CNI ADDs.</summary>
public sealed class EndpointPoolStatusInfo
{
    public int Free { get; set; }
    /// <summary>Free entries the filler aims for now (grows in bursts up to Max, back to Min when idle).</summary>
    public int Target { get; set; }
    public int ConfiguredTarget { get; set; }
    public int Min { get; set; }
    public int Max { get; set; }
    /// <summary>Entries being committed right now.</summary>
    public int Filling { get; set; }
    /// <summary>ADDs served from the pool, and ADDs that found it empty and took the cold path.</summary>
    public long Taken { get; set; }
    public long EmptyFallbacks { get; set; }
    /// <summary>Entries made, in how many rounds, and the rate of the last round (entries per second).</summary>
    public long Refilled { get; set; }
    public long RefillRounds { get; set; }
    public double RefillPerSecond { get; set; }
    /// <summary>Entries given back by the idle shrink.</summary>
    public long Released { get; set; }
    public string? LastError { get; set; }
}
