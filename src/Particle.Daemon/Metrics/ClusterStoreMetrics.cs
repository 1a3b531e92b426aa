using System.Diagnostics.Metrics;
using Particle.Daemon.Cluster;

namespace Particle.Daemon.Metrics;

/// <summary>
/// particle_cluster_store_errors_total{backend,reason}: calls to the cluster store that failed, by cause
/// (server_untrusted, server_cert_expired, server_cert_not_yet_valid, server_name_mismatch, client_cert_refused,
/// client_cert_expired, client_cert_not_yet_valid, auth_failed, permission_denied, unreachable), so an alert can
/// tell a certificate about to break the cluster from an etcd that is merely restarting. The store in use is
/// registered here too: /readyz asks it whether this node's lease can still be kept.
/// </summary>
public static class ClusterStoreMetrics
{
    public static readonly Counter<long> Errors = Telemetry.Meter.CreateCounter<long>(
        "particle.cluster.store_errors", "{error}", "Failed calls to the cluster store, by backend and cause.");

    public static readonly SourceRegistry<IClusterStore> Stores = new();

    public static void Failed(string backend, string reason) =>
        Errors.Add(1, new KeyValuePair<string, object?>("backend", backend), new KeyValuePair<string, object?>("reason", reason));

    public static IDisposable Register(IClusterStore store) => Stores.Register(store);

    /// <summary>Why a registered store cannot keep this node's lease; empty while every lease stands.</summary>
    public static IEnumerable<string> LeaseProblems() =>
        Stores.Current.Select(s => s.Health.LeaseProblem).OfType<string>();
}
