using System.Diagnostics;
using System.Diagnostics.Metrics;
using Particle.Protocol;

namespace Particle.Daemon.Metrics;

/// <summary>particle_requests_total{verb,code} and particle_request_duration_seconds{verb}, plus an event per mutating request.</summary>
public static class RequestMetrics
{
    /// <summary>Seconds; from 0.5 ms (a pooled ADD) to 10 s (a daemon under a pathological burst).</summary>
    public static readonly double[] DurationBuckets = [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1, 2.5, 5, 10];

    public static readonly Counter<long> Requests = Telemetry.Meter.CreateCounter<long>(
        "particle.requests", "{request}", "Requests served over particled's socket, by verb and result code (0: success, else the CNI error code).");

    public static readonly Histogram<double> Duration = Telemetry.Meter.CreateHistogram<double>(
        "particle.request.duration", "s", "Time from a request read to its answer, by verb.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });

    private static readonly string[] KnownVerbs =
        [Verbs.Add, Verbs.Del, Verbs.Check, Verbs.Status, Verbs.Gc, Verbs.List, Verbs.Claim, Verbs.Release, Verbs.NodeStatus, Verbs.Events];

    /// <summary>Counts and times one answered request; <paramref name="started"/> is a <see cref="Stopwatch"/> timestamp.</summary>
    public static void Served(DaemonRequest request, DaemonResponse response, long started)
    {
        var elapsed = Stopwatch.GetElapsedTime(started);
        string verb = VerbLabel(request);
        if (Requests.Enabled)
        {
            Requests.Add(1, new KeyValuePair<string, object?>("verb", verb), new KeyValuePair<string, object?>("code", CodeLabel(response.Code)));
            Duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("verb", verb));
        }
        DaemonEvents.Served(request, response, elapsed);
    }

    /// <summary>
    /// A request refused before the service saw it (not root, unreadable) or that failed unexpectedly:
    /// counted with its code, not timed.
    /// </summary>
    public static void Unserved(DaemonRequest? request, int code)
    {
        if (Requests.Enabled)
            Requests.Add(1, new KeyValuePair<string, object?>("verb", VerbLabel(request)), new KeyValuePair<string, object?>("code", CodeLabel(code)));
    }

    // The verb is the peer's text: anything unknown is one label value, so a client cannot grow the series.
    private static string VerbLabel(DaemonRequest? request) =>
        request is not null && Array.IndexOf(KnownVerbs, request.Verb) >= 0 ? request.Verb : "OTHER";

    private static readonly string[] SmallCodes = [.. Enumerable.Range(0, 200).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static string CodeLabel(int code) => code is >= 0 and < 200 ? SmallCodes[code] : "other";
}
