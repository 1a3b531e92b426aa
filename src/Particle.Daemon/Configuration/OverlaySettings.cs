using System.Net;

namespace Particle.Daemon.Configuration;

/// <summary>
/// A network in overlay mode, validated: the cluster-wide CIDR it is cut from, the length of each node's
/// share, and its VXLAN device. The node's own <see cref="NetworkDefinition"/> exists only once the
/// cluster has leased it a subnet (<see cref="Define"/>).
/// </summary>
public sealed record OverlaySettings(
    string Network, IPNetwork ClusterCidr, int NodeSubnetLength, uint Vni, ushort Port, string Device, int? Mtu)
{
    public const int DefaultPort = 4789;

    private NetworkConfig Config { get; init; } = null!;
    private NodeServices TenantDefaults { get; init; } = NodeServices.All;

    /// <param name="tenantDefaults">Node services of a network that does not list them: every one under Kubernetes
    /// (its network model), only ping of the gateway for tenants of the static and etcd backends.</param>
    public static OverlaySettings From(NetworkConfig config, NodeServices tenantDefaults)
    {
        string where = $"network \"{config.Name}\"";
        if (!string.IsNullOrEmpty(config.Subnet))
            throw new ConfigException($"{where}: give either subnet (single node) or clusterCidr (overlay), not both");
        foreach (var (field, value) in new[] { ("gateway", config.Gateway), ("rangeStart", config.RangeStart), ("rangeEnd", config.RangeEnd) })
        {
            if (value is not null)
                throw new ConfigException($"{where}: {field} cannot be set with clusterCidr: the node's subnet is leased at start (gateway = its first address)");
        }
        if (config.Mtu is not null)
            throw new ConfigException($"{where}: mtu cannot be set with clusterCidr: the pods' MTU is the VXLAN device's (vxlan.mtu, default underlay MTU - 50)");
        var cidr = NetworkDefinition.ParseCidr(config.ClusterCidr!, where, "clusterCidr");
        if (config.NodeSubnetLength < cidr.PrefixLength || config.NodeSubnetLength > 30)
            throw new ConfigException($"{where}: nodeSubnetLength {config.NodeSubnetLength} is outside {cidr.PrefixLength}..30 (clusterCidr {cidr})");
        var vxlan = config.Vxlan ?? throw new ConfigException($"{where}: clusterCidr needs a vxlan section with at least a vni, e.g. \"vxlan\": {{\"vni\": 100}}");
        if (vxlan.Vni is < 1 or > 16_777_215)
            throw new ConfigException($"{where}: vxlan.vni {vxlan.Vni} is outside 1..16777215");
        if (vxlan.Port is < 1 or > 65535)
            throw new ConfigException($"{where}: vxlan.port {vxlan.Port} is outside 1..65535");
        string device = vxlan.Device ?? $"pvx{vxlan.Vni}";
        if (!NetworkDefinition.IsValidInterfaceName(device))
            throw new ConfigException($"{where}: vxlan.device \"{device}\" is not a valid interface name (1-15 characters, no '/', ':' or spaces)");
        if (device == NetworkDefinition.GatewayInterfaceOf(config))
            throw new ConfigException($"{where}: vxlan.device and gatewayInterface are both {device}");
        if (vxlan.Mtu is < 576 or > 65485)
            throw new ConfigException($"{where}: vxlan.mtu {vxlan.Mtu} is outside 576..65485");
        return new OverlaySettings(config.Name, cidr, config.NodeSubnetLength, (uint)vxlan.Vni, (ushort)vxlan.Port, device, vxlan.Mtu)
        {
            Config = config,
            TenantDefaults = tenantDefaults,
        };
    }

    /// <summary>MTU of the VXLAN device and pods: as configured, else the underlay's less VXLAN's 50 bytes.</summary>
    public int EffectiveMtu(int underlayMtu) => Mtu ?? underlayMtu - 50;

    /// <summary>The node's network once the cluster leased it <paramref name="subnet"/>.</summary>
    public NetworkDefinition Define(IPNetwork subnet, int mtu)
    {
        if (subnet.PrefixLength != NodeSubnetLength || !ClusterCidr.Contains(subnet.BaseAddress))
            throw new ConfigException($"network \"{Network}\": leased subnet {subnet} is not a /{NodeSubnetLength} of {ClusterCidr}");
        return NetworkDefinition.From(Config, subnet, mtu, ClusterCidr, TenantDefaults);
    }
}
