using Particle.Protocol;

namespace Particle.Daemon.Configuration;

/// <summary>The node's configuration file, as an operator writes it (see cni-conf/particled.json).</summary>
public sealed class NodeConfig
{
    public string StateDir { get; set; } = Defaults.StateDirectory;
    public string SocketPath { get; set; } = Defaults.SocketPath;
    /// <summary>How many kernel (rtnetlink) operations may run at once; more only queue on the RTNL lock.</summary>
    public int KernelConcurrency { get; set; } = 4;
    /// <summary>How often notes left by DELs that could not reach the daemon are looked for.</summary>
    public int PendingDeleteScanSeconds { get; set; } = 5;
    public List<NetworkConfig> Networks { get; set; } = [];
    /// <summary>Multi-node overlay: this node's identity and the cluster store (docs/overlay.md); absent on a single node.</summary>
    public ClusterConfig? Cluster { get; set; }
    /// <summary>The Prometheus, /healthz and /readyz listener (docs/operations.md); on at 127.0.0.1:9651 when absent.</summary>
    public MetricsConfig? Metrics { get; set; }
}

/// <summary>Where particled serves /metrics, /healthz and /readyz.</summary>
public sealed class MetricsConfig
{
    public const string DefaultAddress = "127.0.0.1:9651";

    /// <summary>"IPv4:port" in the daemon's network namespace (0.0.0.0: every address); empty or null turns the listener off.</summary>
    public string? Address { get; set; } = DefaultAddress;
    public bool Enabled { get; set; } = true;
}

/// <summary>One CNI network served on this node: its pod subnet and the bridge its pods hang off.</summary>
public sealed class NetworkConfig
{
    /// <summary>Matches the "name" of the CNI network configuration.</summary>
    public string Name { get; set; } = "";
    /// <summary>The node's pod subnet, e.g. "10.88.0.0/16".</summary>
    public string Subnet { get; set; } = "";
    /// <summary>Bridge address; defaults to the subnet's first host address.</summary>
    public string? Gateway { get; set; }
    /// <summary>First and last address handed to pods; default: the whole subnet less gateway and broadcast.</summary>
    public string? RangeStart { get; set; }
    public string? RangeEnd { get; set; }
    public const int DefaultMtu = 1500;

    public string Bridge { get; set; } = "particle0";
    /// <summary>Default <see cref="DefaultMtu"/>; in overlay mode the VXLAN device's MTU instead.</summary>
    public int? Mtu { get; set; }
    /// <summary>Overlay mode instead of a fixed subnet: the cluster-wide CIDR node subnets are leased from.</summary>
    public string? ClusterCidr { get; set; }
    /// <summary>Prefix length of each node's share of <see cref="ClusterCidr"/>.</summary>
    public int NodeSubnetLength { get; set; } = 24;
    /// <summary>The network's VXLAN device in overlay mode; its VNI tells tenants apart on the wire.</summary>
    public VxlanConfig? Vxlan { get; set; }
    /// <summary>Pre-wired network namespaces kept ready for claims (docs/namespace-pool.md); off when absent.</summary>
    public NamespacePoolConfig? NamespacePool { get; set; }
    /// <summary>Addresses reserved and journaled ahead of ADDs (docs/performance.md); off when absent.</summary>
    public EndpointPoolConfig? EndpointPool { get; set; }
}

/// <summary>How many pre-wired namespaces a network keeps free, and where they are bind-mounted.</summary>
public sealed class NamespacePoolConfig
{
    public const string DefaultFolder = "/run/particle/netns";

    /// <summary>Free namespaces kept wired; 0 turns the pool off.</summary>
    public int Size { get; set; }
    public string Folder { get; set; } = DefaultFolder;
}

/// <summary>How many ready endpoints a network keeps for CNI ADDs, and how that number moves with load.</summary>
public sealed class EndpointPoolConfig
{
    /// <summary>Free entries kept ready while ADDs come; 0 turns the pool off.</summary>
    public int Target { get; set; } = 64;
    /// <summary>Floor the pool shrinks to after <see cref="IdleShrinkSeconds"/> without an ADD.</summary>
    public int Min { get; set; } = 16;
    /// <summary>Ceiling the working target grows to when a burst empties the pool.</summary>
    public int Max { get; set; } = 256;
    /// <summary>Entries made per refill round (one journal fsync each round).</summary>
    public int RefillBatch { get; set; } = 16;
    /// <summary>Seconds without an ADD before the pool shrinks to <see cref="Min"/>; 0 never shrinks.</summary>
    public int IdleShrinkSeconds { get; set; } = 300;
}
