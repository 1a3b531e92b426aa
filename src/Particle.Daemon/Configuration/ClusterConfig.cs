namespace Particle.Daemon.Configuration;

/// <summary>
/// The node config's "cluster" section: who this node is on the underlay and where the cluster's node
/// subnets are agreed on. Absent: single node, every network has a fixed subnet (docs/overlay.md).
/// </summary>
public sealed class ClusterConfig
{
    /// <summary>This node's name in the cluster; unique among the nodes.</summary>
    public string NodeName { get; set; } = "";
    /// <summary>The underlay address VXLAN packets are sent from and to; or give <see cref="UnderlayInterface"/>.</summary>
    public string? UnderlayAddress { get; set; }
    /// <summary>The underlay interface; its first IPv4 address is used.</summary>
    public string? UnderlayInterface { get; set; }
    /// <summary>"static", "etcd" or "kubernetes".</summary>
    public string Backend { get; set; } = "static";
    public StaticClusterConfig? Static { get; set; }
    public EtcdClusterConfig? Etcd { get; set; }
    public KubernetesClusterConfig? Kubernetes { get; set; }
}

/// <summary>The static backend: a JSON file listing every node (docs/overlay.md), re-read when it changes.</summary>
public sealed class StaticClusterConfig
{
    public const string DefaultFile = "/etc/particle/nodes.json";

    public string File { get; set; } = DefaultFile;
}

/// <summary>The etcd v3 backend: subnet leases with a TTL, node records and a watch.</summary>
public sealed class EtcdClusterConfig
{
    public List<string> Endpoints { get; set; } = [];
    /// <summary>Key prefix every record lives under.</summary>
    public string Prefix { get; set; } = "/particle";
    /// <summary>A node that stops renewing for this long is dropped by every other node.</summary>
    public int LeaseTtlSeconds { get; set; } = 20;
    /// <summary>PEM bundle of the CAs that may sign etcd's server certificate (https endpoints); absent: the system's roots.</summary>
    public string? CaFile { get; set; }
    /// <summary>PEM client certificate for mutual TLS (with <see cref="KeyFile"/>); etcd's --client-cert-auth.</summary>
    public string? CertFile { get; set; }
    /// <summary>PEM private key of <see cref="CertFile"/>; must be owned by root and not readable by group or others.</summary>
    public string? KeyFile { get; set; }
    /// <summary>The name etcd's certificate must carry, when it is not the endpoint's host (an IP endpoint, a DNS-only certificate).</summary>
    public string? ServerName { get; set; }
    /// <summary>etcd user (etcd auth enabled); its password is read from <see cref="PasswordFile"/>.</summary>
    public string? Username { get; set; }
    /// <summary>File holding the etcd user's password (one line); same ownership rule as <see cref="KeyFile"/>.</summary>
    public string? PasswordFile { get; set; }
}

/// <summary>The Kubernetes backend: node subnets from node.spec.podCIDR(s), endpoints as node annotations.</summary>
public sealed class KubernetesClusterConfig
{
    public const string ServiceAccount = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The Node object's name; defaults to the cluster section's nodeName.</summary>
    public string? NodeName { get; set; }
    /// <summary>e.g. https://10.96.0.1:443; default: in-cluster (KUBERNETES_SERVICE_HOST/PORT).</summary>
    public string? ApiServer { get; set; }
    public string TokenFile { get; set; } = ServiceAccount + "/token";
    public string CaFile { get; set; } = ServiceAccount + "/ca.crt";
}

/// <summary>A network's VXLAN device in overlay mode.</summary>
public sealed class VxlanConfig
{
    /// <summary>The VXLAN network identifier: one per tenant network, 1..16777215.</summary>
    public int Vni { get; set; }
    /// <summary>UDP port; 4789 is the IANA port (flannel uses Linux's old default 8472).</summary>
    public int Port { get; set; } = 4789;
    /// <summary>Device name; default "pvx" + VNI.</summary>
    public string? Device { get; set; }
    /// <summary>MTU of the VXLAN device, the bridge and pods; default: the underlay's MTU - 50.</summary>
    public int? Mtu { get; set; }
}
