using Microsoft.Extensions.Logging;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Cluster;

/// <summary>Builds the configured backend.</summary>
public static class ClusterStores
{
    public static IClusterStore Create(ClusterSettings settings, ILoggerFactory loggers) => settings.Backend switch
    {
        ClusterBackend.Static => new StaticClusterStore(settings.Static!),
        ClusterBackend.Etcd => throw new ConfigException("cluster: backend etcd is not available in this build"),
        ClusterBackend.Kubernetes => throw new ConfigException("cluster: backend kubernetes is not available in this build"),
        _ => throw new ConfigException($"cluster: unknown backend {settings.Backend}"),
    };
}
