using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Particle.EndToEnd.Tests.Harness;

public enum KubeProxyMode
{
    /// <summary>kube-proxy --proxy-mode=iptables, through iptables-nft (iptables-restore, as kube-proxy does).</summary>
    Iptables,

    /// <summary>kube-proxy --proxy-mode=nftables (1.31+): its own `table ip kube-proxy`, through nft.</summary>
    Nftables,
}

/// <summary>One TCP Service port: a ClusterIP, optionally a NodePort, and its endpoints.</summary>
public sealed record ServicePort(string Name, IPEndPoint ClusterIp, int NodePort, IReadOnlyList<IPEndPoint> Endpoints)
{
    /// <summary>kube-proxy names chains after a hash of "namespace/name:port" and the protocol.</summary>
    public string Hash(int length) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Name + "tcp")))[..length];
}

/// <summary>
/// kube-proxy's rules for a few Services, written into the node namespace in the shapes kube-proxy
/// writes (pkg/proxy/iptables and pkg/proxy/nftables of Kubernetes 1.31): service dispatch, DNAT per
/// endpoint, the 0x4000 masquerade mark for traffic from outside the cluster CIDR, for hairpin (an
/// endpoint reaching itself) and for NodePorts, and the masquerade of marked packets on the way out.
/// Like kube-proxy, every change rewrites all of its rules in one transaction.
/// </summary>
public abstract class KubeProxyRules
{
    /// <summary>The Service CIDR the tests allocate ClusterIPs from (kube-apiserver's default).</summary>
    public const string ServiceCidr = "10.96.0.0/16";

    public const int MasqueradeMark = 0x4000;

    private readonly List<ServicePort> _services = [];
    private int _nextAutoIp = 100;

    protected KubeProxyRules(World world, string clusterCidr)
    {
        World = world;
        ClusterCidr = clusterCidr;
    }

    public abstract KubeProxyMode Mode { get; }

    protected World World { get; }

    /// <summary>kube-proxy's --cluster-cidr: sources outside it are masqueraded on the way to a ClusterIP.</summary>
    protected string ClusterCidr { get; }

    protected IReadOnlyList<ServicePort> Services => _services;

    public static KubeProxyRules Install(KubeProxyMode mode, World world, string clusterCidr)
    {
        KubeProxyRules rules = mode switch
        {
            KubeProxyMode.Iptables => new IptablesKubeProxy(world, clusterCidr),
            KubeProxyMode.Nftables => new NftablesKubeProxy(world, clusterCidr),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
        rules.Sync();
        return rules;
    }

    /// <summary>A ClusterIP Service port vip -> endpoints.</summary>
    public ServicePort AddClusterIp(string name, IPEndPoint vip, params IPEndPoint[] endpoints) =>
        Add(new ServicePort(name, vip, 0, endpoints));

    /// <summary>A NodePort Service (with a ClusterIP of its own, port 80, as every NodePort Service has).</summary>
    public ServicePort AddNodePort(string name, int nodePort, params IPEndPoint[] endpoints) =>
        Add(new ServicePort(name, new IPEndPoint(IPAddress.Parse($"10.96.1.{_nextAutoIp++}"), 80), nodePort, endpoints));

    /// <summary>What the node holds now (iptables-save or nft list), for failure messages.</summary>
    public abstract string Dump();

    /// <summary>Rewrites every rule of this kube-proxy in one transaction.</summary>
    protected abstract void Sync();

    private ServicePort Add(ServicePort service)
    {
        _services.Add(service);
        Sync();
        return service;
    }
}
