using System.Diagnostics.Metrics;
using Particle.Netlink;

namespace Particle.Daemon.Metrics;

/// <summary>particle_netlink_errors_total{operation,errno}: kernel refusals that reached a failure path.</summary>
public static class NetlinkMetrics
{
    public static readonly Counter<long> Errors = Telemetry.Meter.CreateCounter<long>(
        "particle.netlink.errors", "{error}", "Netlink requests the kernel refused and that failed a request, a refill or housekeeping, by message type and errno.");

    public static void Failed(NetlinkException e) =>
        Errors.Add(1, new KeyValuePair<string, object?>("operation", e.Operation), new KeyValuePair<string, object?>("errno", e.ErrnoName));
}
