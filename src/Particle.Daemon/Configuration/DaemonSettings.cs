using System.Text.Json;

namespace Particle.Daemon.Configuration;

/// <summary>The validated node configuration the daemon runs with.</summary>
public sealed record DaemonSettings(
    string StateDir,
    string SocketPath,
    int KernelConcurrency,
    TimeSpan PendingDeleteScan,
    IReadOnlyDictionary<string, NetworkDefinition> Networks)
{
    /// <summary>The metrics and health listener; null when turned off.</summary>
    public MetricsSettings? Metrics { get; init; } = MetricsSettings.Default;

    public static DaemonSettings Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read config file {path}: {e.Message}");
        }
        NodeConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(bytes, ConfigJsonContext.Default.NodeConfig);
        }
        catch (JsonException e)
        {
            throw new ConfigException($"config file {path} is not valid: {e.Message}");
        }
        if (config is null)
            throw new ConfigException($"config file {path} is empty (null)");
        return From(config);
    }

    /// <param name="environment">Where pod-given values are read (NODE_NAME, HOST_IP); default the process environment.</param>
    public static DaemonSettings From(NodeConfig config, Func<string, string?>? environment = null)
    {
        RequireAbsolute(config.StateDir, "stateDir");
        RequireAbsolute(config.SocketPath, "socketPath");
        if (config.KernelConcurrency is < 1 or > 64)
            throw new ConfigException($"kernelConcurrency {config.KernelConcurrency} is outside 1..64");
        if (config.PendingDeleteScanSeconds is < 1 or > 3600)
            throw new ConfigException($"pendingDeleteScanSeconds {config.PendingDeleteScanSeconds} is outside 1..3600");
        if (config.Networks.Count == 0)
            throw new ConfigException("no networks configured: add at least one entry to \"networks\"");

        var cluster = config.Cluster is null ? null : ClusterSettings.From(config.Cluster, environment);
        var overlays = new List<OverlaySettings>();
        var networks = new Dictionary<string, NetworkDefinition>(StringComparer.Ordinal);
        foreach (var networkConfig in config.Networks)
        {
            if (networkConfig.ClusterCidr is null)
                continue;
            NetworkDefinition.CheckName(networkConfig.Name);
            if (cluster is null)
                throw new ConfigException($"network \"{networkConfig.Name}\": clusterCidr needs a \"cluster\" section (node name, underlay, backend)");
            overlays.Add(OverlaySettings.From(networkConfig,
                cluster.Backend == ClusterBackend.Kubernetes ? NodeServices.All : NodeServices.PingOnly));
        }
        CheckOverlays(config.Networks, overlays);
        foreach (var network in config.Networks.Where(n => n.ClusterCidr is null).Select(NetworkDefinition.From))
        {
            if (!networks.TryAdd(network.Name, network))
                throw new ConfigException($"network \"{network.Name}\" is configured twice");
            foreach (var other in networks.Values.Where(o => o != network))
            {
                if (other.GatewayDevice == network.GatewayDevice)
                    throw new ConfigException($"networks \"{other.Name}\" and \"{network.Name}\" use the same gatewayInterface {network.GatewayDevice}");
                if (other.Subnet.Contains(network.Subnet.BaseAddress) || network.Subnet.Contains(other.Subnet.BaseAddress))
                    throw new ConfigException($"networks \"{other.Name}\" and \"{network.Name}\" have overlapping subnets {other.Subnet} and {network.Subnet}");
            }
        }
        foreach (var overlay in overlays)
        {
            foreach (var other in networks.Values)
            {
                if (overlay.ClusterCidr.Contains(other.Subnet.BaseAddress) || other.Subnet.Contains(overlay.ClusterCidr.BaseAddress))
                    throw new ConfigException($"networks \"{other.Name}\" and \"{overlay.Network}\" have overlapping subnets {other.Subnet} and {overlay.ClusterCidr}");
            }
        }
        return new DaemonSettings(config.StateDir, config.SocketPath, config.KernelConcurrency,
            TimeSpan.FromSeconds(config.PendingDeleteScanSeconds), networks)
        {
            Cluster = cluster,
            Overlays = overlays,
            Metrics = MetricsSettings.From(config.Metrics),
        };
    }

    /// <summary>The multi-node cluster this node belongs to; null on a single node.</summary>
    public ClusterSettings? Cluster { get; init; }

    /// <summary>Networks in overlay mode; each enters <see cref="Networks"/> once its node subnet is leased.</summary>
    public IReadOnlyList<OverlaySettings> Overlays { get; init; } = [];

    /// <summary>These settings with the overlay networks defined from their leased subnets.</summary>
    public DaemonSettings WithLeased(IEnumerable<NetworkDefinition> leased)
    {
        var networks = new Dictionary<string, NetworkDefinition>(Networks, StringComparer.Ordinal);
        foreach (var network in leased)
            networks[network.Name] = network;
        return this with { Networks = networks };
    }

    /// <summary>Tenants must not share a VNI, a device or addresses: each would leak into the other.</summary>
    private static void CheckOverlays(List<NetworkConfig> configs, List<OverlaySettings> overlays)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var config in configs)
        {
            if (!names.Add(config.Name))
                throw new ConfigException($"network \"{config.Name}\" is configured twice");
        }
        for (int i = 0; i < overlays.Count; i++)
        {
            var overlay = overlays[i];
            foreach (var config in configs.Where(c => c.Name != overlay.Network))
            {
                string device = NetworkDefinition.GatewayInterfaceOf(config);
                if (device == NetworkDefinition.GatewayInterfaceOf(configs.Single(c => c.Name == overlay.Network)))
                    throw new ConfigException($"networks \"{config.Name}\" and \"{overlay.Network}\" use the same gatewayInterface {device}");
                if (device == overlay.Device)
                    throw new ConfigException($"network \"{overlay.Network}\": vxlan.device {overlay.Device} is the gatewayInterface of network \"{config.Name}\"");
            }
            foreach (var other in overlays.Take(i))
            {
                if (other.Vni == overlay.Vni)
                    throw new ConfigException($"networks \"{other.Network}\" and \"{overlay.Network}\" use the same vxlan.vni {overlay.Vni}");
                if (other.Device == overlay.Device)
                    throw new ConfigException($"networks \"{other.Network}\" and \"{overlay.Network}\" use the same vxlan.device {overlay.Device}");
                if (other.ClusterCidr.Contains(overlay.ClusterCidr.BaseAddress) || overlay.ClusterCidr.Contains(other.ClusterCidr.BaseAddress))
                    throw new ConfigException($"networks \"{other.Network}\" and \"{overlay.Network}\" have overlapping clusterCidr {other.ClusterCidr} and {overlay.ClusterCidr}");
            }
        }
    }

    private static void RequireAbsolute(string path, string field)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
            throw new ConfigException($"{field} must be an absolute path, got \"{path}\"");
    }
}
