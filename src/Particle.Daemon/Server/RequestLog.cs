using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Particle.Protocol;

namespace Particle.Daemon.Server;

/// <summary>
/// What particled says about each request, in a fixed key=value shape an operator can grep or ship:
/// every line logged while a request is served carries its verb, network, container and interface (a
/// logging scope, so the attachment and pool code need not repeat them), and each request ends with one
/// line that adds the namespace, the answer's code and the time taken, and the Kubernetes pod
/// (namespace/name from CNI_ARGS) when the runtime named one.
/// </summary>
public static class RequestLog
{
    public static IDisposable? Begin(ILogger log, DaemonRequest request) => log.BeginScope(new Scope(request));

    public static void Done(ILogger log, DaemonRequest request, DaemonResponse response, long startedTimestamp)
    {
        // Read-only requests that tools poll (LIST, NODESTATUS, STATUS) would drown the rest at Information.
        var level = response.Code != 0 ? LogLevel.Warning
            : request.Verb is Verbs.List or Verbs.NodeStatus or Verbs.Status ? LogLevel.Debug
            : LogLevel.Information;
        if (!log.IsEnabled(level))
            return;
        log.Log(level, "verb={Verb} network={Network} container={Container} ifname={IfName} netns={Netns} code={Code} ms={Ms:F2}{Error}{Pod}",
            request.Verb, request.Network, Value(request.ContainerId), Value(request.IfName), Value(request.Netns), response.Code,
            Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds,
            response.Code == 0 ? "" : $" msg=\"{response.Message}\"", Pod(request));
    }

    /// <summary>" pod=NAMESPACE/NAME" from the K8S_POD_* arguments (a "-" for a missing namespace), or nothing.</summary>
    private static string Pod(DaemonRequest request) =>
        request.Args is { } args && args.TryGetValue("K8S_POD_NAME", out var name)
            ? $" pod={Value(args.GetValueOrDefault("K8S_POD_NAMESPACE"))}/{name}"
            : "";

    private static string Value(string? value) => string.IsNullOrEmpty(value) ? "-" : value;

    private sealed class Scope(DaemonRequest request)
    {
        public override string ToString() =>
            $"verb={request.Verb} network={request.Network} container={Value(request.ContainerId)} ifname={Value(request.IfName)}";
    }
}
