using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace Particle.Daemon.Cluster.Etcd;

/// <summary>
/// The few calls of etcd's v3 JSON gateway that the store needs, over one HttpClient. Each call tries the
/// endpoint that answered last, then the others in order; only transport failures (refused, reset, timed
/// out, "unavailable") move on to the next endpoint, an answer from etcd is final. Every outcome updates
/// <see cref="Health"/>.
/// </summary>
internal sealed class EtcdClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly IReadOnlyList<Uri> _endpoints;
    private readonly TimeSpan _requestTimeout;
    private readonly HttpClient _http;
    private readonly ILogger _log;
    private readonly Lock _healthLock = new();
    private int _current;
    private ClusterStoreHealth _health = new(false, null, null);

    public EtcdClient(IReadOnlyList<Uri> endpoints, TimeSpan requestTimeout, HttpMessageHandler handler, ILogger log)
    {
        _endpoints = endpoints;
        _requestTimeout = requestTimeout;
        _log = log;
        // Watches stream for hours: deadlines are per call, never on the client.
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public ClusterStoreHealth Health
    {
        get
        {
            lock (_healthLock)
            {
                return _health;
            }
        }
    }

    public static SocketsHttpHandler DefaultHandler() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        UseProxy = false,
    };

    public Task<RangeResponse> RangeAsync(byte[] key, byte[]? rangeEnd, CancellationToken cancel) =>
        CallAsync("/v3/kv/range", new RangeRequest(key, rangeEnd), EtcdJsonContext.Default.RangeRequest,
            EtcdJsonContext.Default.RangeResponse, cancel);

    public Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken cancel) =>
        CallAsync("/v3/kv/txn", request, EtcdJsonContext.Default.TxnRequest, EtcdJsonContext.Default.TxnResponse, cancel);

    public async Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken cancel)
    {
        LeaseGrantResponse response = await CallAsync("/v3/lease/grant",
            new LeaseGrantRequest((long)Math.Ceiling(ttl.TotalSeconds), 0),
            EtcdJsonContext.Default.LeaseGrantRequest, EtcdJsonContext.Default.LeaseGrantResponse, cancel);
        if (!string.IsNullOrEmpty(response.Error) || response.Id == 0)
        {
            throw new EtcdRequestException(0, $"etcd refused a lease: {response.Error}");
        }
        return response.Id;
    }

    /// <summary>Renews a lease once; the TTL left, or 0 when etcd no longer knows the lease (it expired).</summary>
    public async Task<long> KeepAliveOnceAsync(long lease, CancellationToken cancel)
    {
        // The gateway maps the bidirectional stream onto one POST: one request line in, one answer line out.
        StreamEnvelope<LeaseKeepAliveResponse> response = await CallAsync("/v3/lease/keepalive", new LeaseIdRequest(lease),
            EtcdJsonContext.Default.LeaseIdRequest, EtcdJsonContext.Default.StreamEnvelopeLeaseKeepAliveResponse, cancel);
        if (response.Error is { } error)
        {
            throw new EtcdRequestException(error.Code, $"etcd lease keepalive: {error.Message ?? error.Error}");
        }
        return response.Result?.Ttl ?? 0;
    }

    /// <summary>Whether one particular endpoint answers now (a watch checks that its own connection's member is alive).</summary>
    public async Task<bool> PingAsync(Uri endpoint, CancellationToken cancel)
    {
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            deadline.CancelAfter(_requestTimeout);
            using HttpResponseMessage response = await SendOnceAsync(endpoint, "/v3/maintenance/status",
                Serialize(new StatusRequest(), EtcdJsonContext.Default.StatusRequest), HttpCompletionOption.ResponseContentRead, deadline.Token);
            bool ok = response.IsSuccessStatusCode;
            if (ok)
            {
                MarkContact();
            }
            return ok;
        }
        catch (Exception e) when (!cancel.IsCancellationRequested && IsTransportFailure(e))
        {
            MarkFailure($"{endpoint}: {Describe(e)}");
            return false;
        }
    }

    /// <summary>
    /// Opens a watch stream and returns the member it is connected to with the open answer; the caller reads
    /// newline-separated JSON messages from it until it ends or <paramref name="cancel"/> fires.
    /// </summary>
    public async Task<(Uri Endpoint, HttpResponseMessage Response)> OpenWatchAsync(WatchRequest request, CancellationToken cancel)
    {
        byte[] body = Serialize(request, EtcdJsonContext.Default.WatchRequest);
        return await WithFailoverAsync("/v3/watch", async endpoint =>
        {
            HttpResponseMessage response = await SendOnceAsync(endpoint, "/v3/watch", body, HttpCompletionOption.ResponseHeadersRead, cancel);
            if (!response.IsSuccessStatusCode)
            {
                using (response)
                {
                    throw await ReadErrorAsync(response, "/v3/watch", cancel);
                }
            }
            return (endpoint, response);
        }, cancel);
    }

    public void Dispose() => _http.Dispose();

    private async Task<TResponse> CallAsync<TRequest, TResponse>(string path, TRequest request,
        JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancel)
    {
        byte[] body = Serialize(request, requestType);
        return await WithFailoverAsync(path, async endpoint =>
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            deadline.CancelAfter(_requestTimeout);
            using HttpResponseMessage response = await SendOnceAsync(endpoint, path, body, HttpCompletionOption.ResponseContentRead, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw await ReadErrorAsync(response, path, deadline.Token);
            }
            byte[] answer = await response.Content.ReadAsByteArrayAsync(deadline.Token);
            return JsonSerializer.Deserialize(answer, responseType)
                ?? throw new EtcdRequestException(0, $"etcd {path}: empty answer");
        }, cancel);
    }

    private async Task<T> WithFailoverAsync<T>(string path, Func<Uri, Task<T>> call, CancellationToken cancel)
    {
        int first = Volatile.Read(ref _current);
        var failures = new List<string>();
        for (int attempt = 0; attempt < _endpoints.Count; attempt++)
        {
            int index = (first + attempt) % _endpoints.Count;
            Uri endpoint = _endpoints[index];
            try
            {
                T result = await call(endpoint);
                if (index != first)
                {
                    _log.LogInformation("etcd: using endpoint {Endpoint}", endpoint);
                }
                Volatile.Write(ref _current, index);
                MarkContact();
                return result;
            }
            catch (Exception e) when (!cancel.IsCancellationRequested && IsTransportFailure(e))
            {
                failures.Add($"{endpoint}: {Describe(e)}");
            }
        }
        string message = $"etcd unreachable ({path}): {string.Join("; ", failures)}";
        MarkFailure(message);
        throw new EtcdUnavailableException(message);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(Uri endpoint, string path, byte[] body,
        HttpCompletionOption completion, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = Json } },
        };
        return await _http.SendAsync(request, completion, cancel);
    }

    private static async Task<Exception> ReadErrorAsync(HttpResponseMessage response, string path, CancellationToken cancel)
    {
        string text = await response.Content.ReadAsStringAsync(cancel);
        GatewayError? error = null;
        try
        {
            error = JsonSerializer.Deserialize(text, EtcdJsonContext.Default.GatewayError);
        }
        catch (JsonException)
        {
            // Not the gateway's error shape (a proxy, a wrong port): report the raw text below.
        }
        string message = $"etcd {path}: HTTP {(int)response.StatusCode}: {error?.Message ?? error?.Error ?? text.Trim()}";
        // 14 = UNAVAILABLE (no leader, member stopping): another member may well answer.
        return error?.Code == 14 || response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
            ? new EtcdUnavailableException(message)
            : new EtcdRequestException(error?.Code ?? 0, message);
    }

    private static bool IsTransportFailure(Exception e) =>
        e is HttpRequestException or IOException or OperationCanceledException or EtcdUnavailableException;

    private static string Describe(Exception e) => e is OperationCanceledException ? "timed out" : e.Message;

    private void MarkContact()
    {
        lock (_healthLock)
        {
            _health = new ClusterStoreHealth(true, DateTimeOffset.UtcNow, _health.LastError);
        }
    }

    private void MarkFailure(string error)
    {
        lock (_healthLock)
        {
            _health = new ClusterStoreHealth(false, _health.LastContact, error);
        }
    }

    internal static byte[] Serialize<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type);

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
