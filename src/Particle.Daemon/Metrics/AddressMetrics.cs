using System.Diagnostics.Metrics;
using Particle.Daemon.Configuration;
using Particle.Daemon.Ipam;

namespace Particle.Daemon.Metrics;

/// <summary>particle_addresses{network,state="allocated"|"free"}: the IPAM's usage per network, read at scrape time.</summary>
public static class AddressMetrics
{
    private static readonly SourceRegistry<Func<IEnumerable<(string Network, long Capacity, long InUse)>>> Sources = new();

    static AddressMetrics()
    {
        Telemetry.Meter.CreateObservableGauge("particle.addresses", () => Sources.Current.SelectMany(s => s()).SelectMany(u => new[]
        {
            new Measurement<long>(u.InUse, new("network", u.Network), new("state", "allocated")),
            new Measurement<long>(u.Capacity - u.InUse, new("network", u.Network), new("state", "free")),
        }), "{address}", "Pod addresses of each network's range, held (pool entries included) or free.");
    }

    public static IDisposable Register(DaemonSettings settings, IpamStore ipam) =>
        Sources.Register(() => settings.Networks.Keys.Select(name =>
        {
            var (capacity, inUse) = ipam.Usage(name);
            return (name, capacity, inUse);
        }));
}
