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

/// <summary>One CNI network served on this node: its pod subnet, the device holding its gateway, egress and node access.</summary>
public sealed class NetworkConfig
{
    /// <summary>Matches the "name" of the CNI network configuration.</summary>
    public string Name { get; set; } = "";
    /// <summary>The node's pod subnet, e.g. "10.88.0.0/16".</summary>
    public string Subnet { get; set; } = "";
    /// <summary>The pods' gateway, held by <see cref="GatewayInterface"/>; defaults to the subnet's first host address.</summary>
    public string? Gateway { get; set; }
    /// <summary>First and last address handed to pods; default: the whole subnet less gateway and broadcast.</summary>
    public string? RangeStart { get; set; }
    public string? RangeEnd { get; set; }
    public const int DefaultMtu = 1500;

    public const string DefaultGatewayInterface = "particle0";

    /// <summary>The node device (a dummy) that holds the gateway address; default <see cref="DefaultGatewayInterface"/>.</summary>
    public string? GatewayInterface { get; set; }
    /// <summary>The key of releases with a bridge data plane: the same device name, still accepted so their configs upgrade.</summary>
    public string? Bridge { get; set; }
    /// <summary>Traffic from pods to destinations outside every pod network and <see cref="NonMasqueradeCidrs"/> leaves
    /// with the node's address (default on, as flannel and the reference bridge).</summary>
    public bool IpMasq { get; set; } = true;
    /// <summary>Destinations reached with the pods' own addresses, e.g. a routed corporate network (ip-masq-agent's nonMasqueradeCIDRs).</summary>
    public List<string> NonMasqueradeCidrs { get; set; } = [];
    /// <summary>What pods may reach on the node itself: absent = every node address and port (the Kubernetes network
    /// model); a list ("udp/53", "tcp/10250", "icmp") = only those, on the gateway and the node's addresses outside
    /// pod networks. Overlay tenants on the static or etcd backend default to ["icmp"]: their gateway answers ping.</summary>
    public List<string>? NodeServices { get; set; }
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
