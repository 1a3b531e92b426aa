// The cost per request of what SocketServer adds to every answered request (RequestMetrics.Served:
// counter, histogram, event), with the Prometheus exporter attached ("on", run inside a fresh network
// namespace so its listener binds there) or not ("off"), against an empty loop. Prints ns per request.
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Particle.Daemon.Configuration;
using Particle.Daemon.Metrics;
using Particle.Protocol;

string mode = args.Length > 0 ? args[0] : "off";
int requests = args.Length > 1 ? int.Parse(args[1]) : 1_000_000;
MetricsEndpoint? endpoint = null;
if (mode == "on")
{
    var settings = new DaemonSettings("/nonexistent", "/nonexistent", 1, TimeSpan.FromSeconds(1), new Dictionary<string, NetworkDefinition>());
    endpoint = new MetricsEndpoint(new MetricsSettings(IPAddress.Loopback, 9651), new Readiness(settings, null!), NullLogger.Instance);
    endpoint.Start();
}
var request = new DaemonRequest { Verb = Verbs.Add, Network = "pods", ContainerId = "0123456789abcdef", IfName = "eth0" };
var response = DaemonResponse.Success();

Measure(requests / 10);   // warm-up: JIT, first aggregation of each series
double empty = Baseline(requests);
double served = Measure(requests);
Console.WriteLine($"{mode}: {served:F0} ns per request for RequestMetrics.Served (empty loop {empty:F1} ns), {requests} requests");
endpoint?.Dispose();

double Measure(int n)
{
    long started = Stopwatch.GetTimestamp();
    for (int i = 0; i < n; i++)
        RequestMetrics.Served(request, response, Stopwatch.GetTimestamp());
    return Stopwatch.GetElapsedTime(started).TotalNanoseconds / n;
}

static double Baseline(int n)
{
    long started = Stopwatch.GetTimestamp();
    long sink = 0;
    for (int i = 0; i < n; i++)
        sink += Stopwatch.GetTimestamp() & 1;
    GC.KeepAlive(sink);
    return Stopwatch.GetElapsedTime(started).TotalNanoseconds / n;
}
