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

    public static DaemonSettings From(NodeConfig config)
    {
        RequireAbsolute(config.StateDir, "stateDir");
        RequireAbsolute(config.SocketPath, "socketPath");
        if (config.KernelConcurrency is < 1 or > 64)
            throw new ConfigException($"kernelConcurrency {config.KernelConcurrency} is outside 1..64");
        if (config.PendingDeleteScanSeconds is < 1 or > 3600)
            throw new ConfigException($"pendingDeleteScanSeconds {config.PendingDeleteScanSeconds} is outside 1..3600");
        if (config.Networks.Count == 0)
            throw new ConfigException("no networks configured: add at least one entry to \"networks\"");

        var networks = new Dictionary<string, NetworkDefinition>(StringComparer.Ordinal);
        foreach (var network in config.Networks.Select(NetworkDefinition.From))
        {
            if (!networks.TryAdd(network.Name, network))
                throw new ConfigException($"network \"{network.Name}\" is configured twice");
            foreach (var other in networks.Values.Where(o => o != network))
            {
                if (other.Bridge == network.Bridge)
                    throw new ConfigException($"networks \"{other.Name}\" and \"{network.Name}\" use the same bridge {network.Bridge}");
                if (other.Subnet.Contains(network.Subnet.BaseAddress) || network.Subnet.Contains(other.Subnet.BaseAddress))
                    throw new ConfigException($"networks \"{other.Name}\" and \"{network.Name}\" have overlapping subnets {other.Subnet} and {network.Subnet}");
            }
        }
        return new DaemonSettings(config.StateDir, config.SocketPath, config.KernelConcurrency,
            TimeSpan.FromSeconds(config.PendingDeleteScanSeconds), networks)
        {
            Metrics = MetricsSettings.From(config.Metrics),
        };
    }

    private static void RequireAbsolute(string path, string field)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
            throw new ConfigException($"{field} must be an absolute path, got \"{path}\"");
    }
}
