using System.Diagnostics.Metrics;
using System.Globalization;

namespace Particle.Daemon.Metrics;

/// <summary>
/// Process and runtime figures, each read when scraped (no background sampling): resident memory and open
/// descriptors from /proc/self, CPU time, and the garbage collector's heap, collections and pauses.
/// </summary>
public static class ProcessMetrics
{
    private static readonly double StartTime = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
    private static int _registered;

    /// <summary>Creates the instruments once; they report whenever a listener (the exporter) is attached.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) != 0)
            return;
        var meter = Telemetry.Meter;
        string version = typeof(ProcessMetrics).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown";
        meter.CreateObservableGauge("particle.build_info", () => new Measurement<int>(1, new KeyValuePair<string, object?>("version", version)),
            "", "Always 1; the version label says which particled answers.");
        meter.CreateObservableGauge("particle.process.resident_memory", ResidentBytes, "By", "Resident set size of particled.");
        meter.CreateObservableGauge("particle.process.open_fds", OpenDescriptors, "{descriptor}", "Open file descriptors (entries of /proc/self/fd).");
        meter.CreateObservableGauge("particle.process.start_time", () => StartTime, "s", "When particled started, seconds since the Unix epoch.");
        meter.CreateObservableCounter("particle.process.cpu", () => Environment.CpuUsage.TotalTime.TotalSeconds, "s", "CPU time used, user and system.");
        meter.CreateObservableGauge("particle.dotnet.gc.heap", () => GC.GetTotalMemory(false), "By", "Bytes the managed heap holds.");
        meter.CreateObservableCounter("particle.dotnet.gc.collections", () => Enumerable.Range(0, GC.MaxGeneration + 1)
            .Select(g => new Measurement<long>(GC.CollectionCount(g), new KeyValuePair<string, object?>("generation", $"gen{g}"))),
            "{collection}", "Garbage collections by generation (a gen2 collection counts in gen0 and gen1 too).");
        meter.CreateObservableCounter("particle.dotnet.gc.pause", () => GC.GetTotalPauseDuration().TotalSeconds, "s", "Time the runtime was paused for garbage collection.");
        meter.CreateObservableGauge("particle.dotnet.thread_pool.threads", () => ThreadPool.ThreadCount, "{thread}", "Thread-pool threads.");
    }

    /// <summary>The second field of /proc/self/statm is the resident set in pages.</summary>
    internal static long ResidentBytes()
    {
        string statm = File.ReadAllText("/proc/self/statm");
        var fields = statm.Split(' ', 3);
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    internal static int OpenDescriptors()
    {
        int count = 0;
        foreach (var _ in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            count++;
        // The enumeration's own descriptor is one of them.
        return count - 1;
    }
}
