using System.Diagnostics.Metrics;
using Particle.Netlink;

namespace Particle.Daemon.Metrics;

/// <summary>One pool's level at scrape time.</summary>
/// <param name="Kind">The pool kind, a label value: <see cref="PoolKinds"/>.</param>
/// <param name="InUse">Entries handed out (claimed namespaces, endpoints attached to pods).</param>
/// <param name="Target">How many free entries the pool tries to keep.</param>
public readonly record struct PoolLevel(string Network, string Kind, int Free, int InUse, int Target);

/// <summary>A pool that reports its levels; register it once with <see cref="PoolMetrics.Register"/>.</summary>
public interface IPoolLevels
{
    IEnumerable<PoolLevel> Levels();
}

public static class PoolKinds
{
    public const string Namespace = "namespace";
    public const string Endpoint = "endpoint";
}

/// <summary>
/// Pool gauges (particle_pool_free, _in_use, _target) and refill figures (particle_pool_refills_total,
/// particle_pool_refill_batch_size, particle_pool_refill_duration_seconds). A new kind of pool plugs in with
/// <c>PoolMetrics.Register(this)</c> and a <see cref="Refilled"/> call per refill batch; particlectl status
/// shows it too.
/// </summary>
public static class PoolMetrics
{
    public static readonly SourceRegistry<IPoolLevels> Sources = new();

    public static readonly Counter<long> Refills = Telemetry.Meter.CreateCounter<long>(
        "particle.pool.refills", "{batch}", "Refill batches run, by network, pool kind and result (ok, error).");

    public static readonly Histogram<int> BatchSize = Telemetry.Meter.CreateHistogram<int>(
        "particle.pool.refill.batch_size", "{entry}", "Entries a refill batch set out to create.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    public static readonly Histogram<double> RefillDuration = Telemetry.Meter.CreateHistogram<double>(
        "particle.pool.refill.duration", "s", "Time a refill batch took, creation and wiring of all its entries.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    static PoolMetrics()
    {
        Telemetry.Meter.CreateObservableGauge("particle.pool.free", () => Observe(l => l.Free), "{entry}", "Free entries ready to hand out.");
        Telemetry.Meter.CreateObservableGauge("particle.pool.in_use", () => Observe(l => l.InUse), "{entry}", "Entries handed out and not yet returned.");
        Telemetry.Meter.CreateObservableGauge("particle.pool.target", () => Observe(l => l.Target), "{entry}", "Free entries the pool tries to keep.");
    }

    public static IDisposable Register(IPoolLevels source) => Sources.Register(source);

    public static IEnumerable<PoolLevel> AllLevels() => Sources.Current.SelectMany(s => s.Levels());

    /// <summary>One refill batch ended; <paramref name="error"/> is its first failure, null when every entry was made.</summary>
    public static void Refilled(string network, string kind, int batch, TimeSpan elapsed, Exception? error)
    {
        var networkTag = new KeyValuePair<string, object?>("network", network);
        var kindTag = new KeyValuePair<string, object?>("kind", kind);
        Refills.Add(1, networkTag, kindTag, new KeyValuePair<string, object?>("result", error is null ? "ok" : "error"));
        BatchSize.Record(batch, networkTag, kindTag);
        RefillDuration.Record(elapsed.TotalSeconds, networkTag, kindTag);
        if (error is NetlinkException netlink)
            NetlinkMetrics.Failed(netlink);
        DaemonEvents.Record(EventKinds.Pool, network, kind, error is null
            ? $"refilled {batch} in {elapsed.TotalMilliseconds:F1} ms"
            : $"refill of {batch} failed after {elapsed.TotalMilliseconds:F1} ms: {error.Message}", error is not null);
    }

    private static IEnumerable<Measurement<int>> Observe(Func<PoolLevel, int> figure) =>
        AllLevels().Select(l => new Measurement<int>(figure(l),
            new KeyValuePair<string, object?>("network", l.Network), new KeyValuePair<string, object?>("kind", l.Kind)));
}
