using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Metrics;

/// <summary>
/// /metrics, /healthz and /readyz on one address and port. /metrics is OpenTelemetry's Prometheus exporter
/// (its own HttpListener); /healthz and /readyz are a second HttpListener on the same address and port:
/// .NET's managed HttpListener keeps one socket per address and port and routes each request to the
/// listener whose path prefix matches, so both share the listening socket. Health is answered without the
/// exporter, so a slow scrape never fails a probe.
/// </summary>
public sealed class MetricsEndpoint(MetricsSettings settings, Readiness readiness, ILogger log) : IDisposable
{
    private readonly HttpListener _health = new();
    private readonly CancellationTokenSource _stop = new();
    private MeterProvider? _provider;

    /// <summary>Binds and starts serving; an address that cannot be bound throws <see cref="HttpListenerException"/>.</summary>
    public void Start()
    {
        _health.Prefixes.Add(Prefix("/healthz/"));
        _health.Prefixes.Add(Prefix("/readyz/"));
        // Health first: a port that is taken fails here, with the listener's own error.
        _health.Start();
        ProcessMetrics.Register();
        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(Telemetry.MeterName)
            .AddPrometheusHttpListener(options =>
            {
                options.ScrapeEndpointPath = "/metrics";
                // One scope and no resource: the series carry only their own labels.
                options.ScopeInfoEnabled = false;
                options.TargetInfoEnabled = false;
                // Every scrape collects afresh: a cached answer would hide a burst that just ended.
                options.ScrapeResponseCacheDurationMilliseconds = 0;
                options.ConfigureHttpListener = (_, listener) =>
                {
                    listener.Prefixes.Clear();
                    listener.Prefixes.Add(Prefix("/metrics/"));
                };
            })
            .Build();
        _ = Task.Run(ServeHealthAsync);
        log.LogInformation("metrics on http://{Address}/metrics, health on /healthz and /readyz", settings);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _provider?.Dispose();
        try
        {
            _health.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }

    /// <summary>
    /// The listener's prefix. A wildcard address is "+": it binds every address and, unlike a literal
    /// 0.0.0.0, matches requests whatever Host header they carry (a probe sends the pod's address).
    /// </summary>
    private string Prefix(string path)
    {
        string host = settings.IsWildcard ? "+" : settings.Address.ToString();
        return $"http://{host}:{settings.Port}{path}";
    }

    private async Task ServeHealthAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _health.GetContextAsync().WaitAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or HttpListenerException)
            {
                return;
            }
            _ = Task.Run(() => Answer(context));
        }
    }

    private void Answer(HttpListenerContext context)
    {
        try
        {
            string path = context.Request.Url?.AbsolutePath.TrimEnd('/') ?? "";
            var (status, body) = path switch
            {
                "/healthz" => (200, "ok\n"),
                "/readyz" => Ready(),
                _ => (404, "not found\n"),
            };
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "text/plain; charset=utf-8";
            context.Response.ContentLength64 = bytes.Length;
            context.Response.OutputStream.Write(bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            log.LogDebug("health request dropped: {Error}", e.Message);
        }
    }

    private (int, string) Ready()
    {
        var problems = readiness.Problems();
        return problems.Count == 0 ? (200, "ok\n") : (503, "not ready: " + string.Join("; ", problems) + "\n");
    }
}
