using Microsoft.Extensions.Logging;
using Particle.Daemon.Cluster.Etcd;
using Particle.Daemon.Cluster.Kubernetes;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Cluster;

/// <summary>Builds the configured backend from the validated settings.</summary>
public static class ClusterStores
{
    public static IClusterStore Create(ClusterSettings settings, ILoggerFactory loggers)
    {
        try
        {
            return settings.Backend switch
            {
                ClusterBackend.Static => new StaticClusterStore(settings.Static!),
                ClusterBackend.Etcd => new EtcdClusterStore(EtcdOptions(settings.Etcd!), loggers.CreateLogger("etcd")),
                ClusterBackend.Kubernetes => new KubernetesClusterStore(KubernetesOptions(settings.Kubernetes!), loggers.CreateLogger("kubernetes")),
                _ => throw new ConfigException($"cluster: unknown backend {settings.Backend}"),
            };
        }
        catch (ClusterStoreException e)
        {
            // The stores validate once more (and read the environment): to the operator that is config too.
            throw new ConfigException($"cluster: {e.Message}");
        }
    }

    public static EtcdStoreOptions EtcdOptions(EtcdClusterSettings etcd) => new(etcd.Endpoints, etcd.Prefix, etcd.LeaseTtl)
    {
        CaFile = etcd.CaFile,
        CertFile = etcd.CertFile,
        KeyFile = etcd.KeyFile,
        ServerName = etcd.ServerName,
        Username = etcd.Username,
        PasswordFile = etcd.PasswordFile,
    };

    /// <summary>Values the node config leaves out come from the pod: KUBERNETES_SERVICE_HOST/PORT and the service account.</summary>
    public static KubernetesStoreOptions KubernetesOptions(KubernetesClusterSettings kubernetes) =>
        KubernetesStoreOptions.FromEnvironment(kubernetes.NodeName, kubernetes.ApiServer?.ToString(), kubernetes.TokenFile, kubernetes.CaFile);
}
