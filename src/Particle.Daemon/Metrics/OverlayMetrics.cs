using System.Diagnostics.Metrics;

namespace Particle.Daemon.Metrics;

/// <summary>The overlay's figures at scrape time, for one network.</summary>
/// <param name="Problem">Why the overlay is not ready (store unreachable and lease expired, VXLAN device missing); null when ready. /readyz reports it.</param>
/// <param name="LastSync">When the overlay last applied a membership snapshot from the store; null before the first.</param>
public sealed record OverlayLevels(
    string Network, int RemoteNodes, int Routes, int FdbEntries, int Neighbours, bool StoreConnected, DateTimeOffset? LastSync,
    string? Problem);

/// <summary>The overlay reports through this; register it once with <see cref="OverlayMetrics.Register"/>.</summary>
public interface IOverlayLevels
{
    IEnumerable<OverlayLevels> Levels();
}

/// <summary>
/// Overlay gauges: particle_overlay_remote_nodes, particle_overlay_routes, particle_overlay_fdb_entries,
/// particle_overlay_neighbours, particle_overlay_store_connected (1/0), particle_overlay_last_sync_age_seconds.
/// The overlay calls <c>OverlayMetrics.Register(this)</c> once and <see cref="DaemonEvents.Record"/> for what
/// operators should see in particlectl events; its <see cref="OverlayLevels.Problem"/> feeds /readyz.
/// </summary>
public static class OverlayMetrics
{
    public static readonly SourceRegistry<IOverlayLevels> Sources = new();

    static OverlayMetrics()
    {
        Gauge("particle.overlay.remote_nodes", "{node}", "Remote nodes the overlay programs paths to.", l => l.RemoteNodes);
        Gauge("particle.overlay.routes", "{route}", "Routes programmed towards remote nodes' pod subnets.", l => l.Routes);
        Gauge("particle.overlay.fdb_entries", "{entry}", "VXLAN forwarding entries programmed.", l => l.FdbEntries);
        Gauge("particle.overlay.neighbours", "{entry}", "Neighbour (ARP) entries programmed for remote VTEPs.", l => l.Neighbours);
        Gauge("particle.overlay.store_connected", "", "1 while the cluster store answers, else 0.", l => l.StoreConnected ? 1 : 0);
        Telemetry.Meter.CreateObservableGauge("particle.overlay.last_sync_age", () => All()
            .Where(l => l.LastSync is not null)
            .Select(l => new Measurement<double>((DateTimeOffset.UtcNow - l.LastSync!.Value).TotalSeconds, Network(l))),
            "s", "Seconds since the overlay last applied the store's membership.");
    }

    public static IDisposable Register(IOverlayLevels source) => Sources.Register(source);

    public static IEnumerable<OverlayLevels> All() => Sources.Current.SelectMany(s => s.Levels());

    private static void Gauge(string name, string unit, string description, Func<OverlayLevels, int> figure) =>
        Telemetry.Meter.CreateObservableGauge(name, () => All().Select(l => new Measurement<int>(figure(l), Network(l))), unit, description);

    private static KeyValuePair<string, object?> Network(OverlayLevels l) => new("network", l.Network);
}
