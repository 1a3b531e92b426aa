using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Metrics;

namespace Particle.Daemon.Cluster.Etcd;

/// <summary>
/// The few calls of etcd's v3 JSON gateway that the store needs, over one HttpClient. Each call tries the
/// endpoint that answered last, then the others in order; only transport failures (refused, reset, timed
/// out, "unavailable", a refused TLS handshake) move on to the next endpoint, an answer from etcd is final.
/// With https endpoints the connections use <see cref="EtcdTls"/>; with a user, every request carries the
/// token of <see cref="EtcdAuth"/>. Every outcome updates <see cref="Health"/>, every failure counts in
/// particle_cluster_store_errors_total under its cause.
/// </summary>
internal sealed class EtcdClient : IDisposable
{
    private const string AuthenticatePath = "/v3/auth/authenticate";

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly IReadOnlyList<Uri> _endpoints;
    private readonly TimeSpan _requestTimeout;
    private readonly string _prefix;
    private readonly HttpClient _http;
    private readonly EtcdTls? _tls;
    private readonly EtcdAuth? _auth;
    private readonly SemaphoreSlim _authenticating = new(1, 1);
    private readonly ILogger _log;
    private readonly Lock _healthLock = new();
    private int _current;
    private bool _authDisabledNoted;
    private ClusterStoreHealth _health = new(false, null, null);

    /// <summary>Reads the TLS files (throws <see cref="ClusterStoreException"/> when they cannot be used); contacts nobody.</summary>
    public EtcdClient(EtcdStoreOptions options, SocketsHttpHandler handler, ILogger log)
    {
        _endpoints = options.Endpoints;
        _requestTimeout = options.RequestTimeout;
        _prefix = options.Prefix;
        _log = log;
        if (options.Endpoints.Any(e => e.Scheme == "https"))
        {
            _tls = new EtcdTls(options, log);
            _tls.Apply(handler);
            // Unary calls reconnect at least this often, so rotated credentials are in use within a minute even
            // on a busy connection (a watch stream keeps the connection it was opened on).
            if (handler.PooledConnectionLifetime == Timeout.InfiniteTimeSpan)
            {
                handler.PooledConnectionLifetime = TimeSpan.FromMinutes(1);
            }
        }
        if (options.Username is { } user && options.PasswordFile is { } passwordFile)
        {
            _auth = new EtcdAuth(user, passwordFile);
            _auth.Request();   // the password file's permissions are checked at start, like the key's
        }
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
            HttpResponseMessage response = await SendAuthorizedAsync(endpoint, "/v3/watch", body, HttpCompletionOption.ResponseHeadersRead, cancel);
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

    /// <summary>Reads changed certificate, key or CA files now (the keepalive loop calls this: the files are watched).</summary>
    public void RefreshCredentials() => _tls?.Refresh();

    /// <summary>A watch was cancelled by etcd because its token is no longer valid: the next call authenticates again.</summary>
    public void InvalidateToken(string? token) => _auth?.Invalidate(token);

    public string? Token => _auth?.Token;

    public void Dispose()
    {
        _http.Dispose();
        _tls?.Dispose();
        _authenticating.Dispose();
    }

    private async Task<TResponse> CallAsync<TRequest, TResponse>(string path, TRequest request,
        JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType, CancellationToken cancel)
    {
        byte[] body = Serialize(request, requestType);
        return await WithFailoverAsync(path, async endpoint =>
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            deadline.CancelAfter(_requestTimeout);
            using HttpResponseMessage response = await SendAuthorizedAsync(endpoint, path, body, HttpCompletionOption.ResponseContentRead, deadline.Token);
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
                var (reason, text) = await ExplainAsync(endpoint, e, cancel);
                ClusterStoreMetrics.Failed("etcd", reason);
                failures.Add($"{endpoint}: {text}");
            }
            catch (EtcdRequestException e) when (e.Reason is { } reason)
            {
                // etcd answered, and refused: the same answer would come from every member.
                ClusterStoreMetrics.Failed("etcd", reason);
                MarkFailure(e.Message);
                throw;
            }
        }
        string message = $"etcd unreachable ({path}): {string.Join("; ", failures)}";
        MarkFailure(message);
        throw new EtcdUnavailableException(message);
    }

    /// <summary>
    /// Sends with the current token (authenticating first when there is none); when etcd calls the token invalid
    /// (it restarted, or the token idled past --auth-token-ttl) authenticates again and sends once more.
    /// </summary>
    private async Task<HttpResponseMessage> SendAuthorizedAsync(Uri endpoint, string path, byte[] body,
        HttpCompletionOption completion, CancellationToken cancel)
    {
        for (int attempt = 0; ; attempt++)
        {
            string? token = _auth is null ? null : await TokenAsync(endpoint, cancel);
            HttpResponseMessage response = await SendOnceAsync(endpoint, path, body, completion, token, cancel);
            if (token is null || attempt > 0 || response.StatusCode != HttpStatusCode.Unauthorized)
            {
                return response;
            }
            response.Dispose();
            _auth!.Invalidate(token);
            _log.LogInformation("etcd: the auth token of user {User} is no longer valid (etcd restarted, or it idled past --auth-token-ttl); authenticating again",
                _auth.User);
        }
    }

    private async Task<string?> TokenAsync(Uri endpoint, CancellationToken cancel)
    {
        if (_auth!.Token is { } cached)
        {
            return cached;
        }
        await _authenticating.WaitAsync(cancel);
        try
        {
            if (_auth.Token is { } fresh)
            {
                return fresh;
            }
            byte[] body = Serialize(_auth.Request(), EtcdJsonContext.Default.AuthenticateRequest);
            using HttpResponseMessage response = await SendOnceAsync(endpoint, AuthenticatePath, body, HttpCompletionOption.ResponseContentRead, null, cancel);
            if (!response.IsSuccessStatusCode)
            {
                Exception error = await ReadErrorAsync(response, AuthenticatePath, cancel);
                if (error.Message.Contains("authentication is not enabled", StringComparison.Ordinal))
                {
                    if (!_authDisabledNoted)
                    {
                        _log.LogWarning("etcd: authentication is not enabled on {Endpoint}; requests go without a token (etcd.username {User} unused)",
                            endpoint, _auth.User);
                        _authDisabledNoted = true;
                    }
                    return null;
                }
                throw error;
            }
            AuthenticateResponse? answer = JsonSerializer.Deserialize(await response.Content.ReadAsByteArrayAsync(cancel),
                EtcdJsonContext.Default.AuthenticateResponse);
            if (string.IsNullOrEmpty(answer?.Token))
            {
                throw new EtcdRequestException(0, $"etcd {AuthenticatePath}: no token in the answer");
            }
            _auth.Accept(answer.Token);
            _log.LogInformation("etcd: authenticated as user {User}", _auth.User);
            return answer.Token;
        }
        finally
        {
            _authenticating.Release();
        }
    }

    /// <summary>The metric label and the sentence for a failure that no answer came back from.</summary>
    private async Task<(string Reason, string Text)> ExplainAsync(Uri endpoint, Exception e, CancellationToken cancel) =>
        _tls is not null && await _tls.ExplainAsync(endpoint, e, cancel) is { } rejection
            ? (rejection.Reason, $"TLS: {rejection.Message}")
            : ("unreachable", Describe(e));

    private async Task<HttpResponseMessage> SendOnceAsync(Uri endpoint, string path, byte[] body,
        HttpCompletionOption completion, CancellationToken cancel) => await SendOnceAsync(endpoint, path, body, completion, null, cancel);

    private async Task<HttpResponseMessage> SendOnceAsync(Uri endpoint, string path, byte[] body,
        HttpCompletionOption completion, string? token, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = Json } },
        };
        if (token is not null)
        {
            // etcd's gateway takes the bare token in Authorization (no "Bearer").
            request.Headers.TryAddWithoutValidation("Authorization", token);
        }
        return await _http.SendAsync(request, completion, cancel);
    }

    private async Task<Exception> ReadErrorAsync(HttpResponseMessage response, string path, CancellationToken cancel)
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
        if (error?.Code == 14 || response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable)
        {
            return new EtcdUnavailableException(message);
        }
        return Refusal(error?.Code ?? 0, message, path == AuthenticatePath);
    }

    /// <summary>An answer refusing the request, with what the operator should look at for auth and permission refusals.</summary>
    internal EtcdRequestException Refusal(int code, string message, bool authenticating = false)
    {
        string? user = _auth?.User;
        return code switch
        {
            // INVALID_ARGUMENT from authenticate: wrong user or password. The password is never part of the text.
            EtcdRequestException.InvalidArgument when authenticating =>
                new EtcdRequestException(code, $"{message} (user '{user}'; check etcd.passwordFile {_auth?.PasswordFile})", "auth_failed"),
            EtcdRequestException.PermissionDenied when user is null => new EtcdRequestException(code,
                $"{message} (no etcd.username is configured: with authentication enabled on etcd, set etcd.username and etcd.passwordFile)", "permission_denied"),
            EtcdRequestException.PermissionDenied => new EtcdRequestException(code,
                $"{message} (user '{user}' needs a role granting readwrite on {_prefix}/ with --prefix; was it revoked?)", "permission_denied"),
            EtcdAuth.InvalidToken or EtcdRequestException.InvalidArgument when message.Contains("user name is empty", StringComparison.Ordinal) =>
                new EtcdRequestException(code, $"{message} (etcd has authentication enabled: set etcd.username and etcd.passwordFile)", "auth_failed"),
            EtcdAuth.InvalidToken => new EtcdRequestException(code, message, "auth_failed"),
            _ => new EtcdRequestException(code, message),
        };
    }

    private static bool IsTransportFailure(Exception e) =>
        e is HttpRequestException or IOException or OperationCanceledException or EtcdUnavailableException;

    /// <summary>The outer message and the innermost one (HttpClient's own says only "an error occurred while sending").</summary>
    private static string Describe(Exception e)
    {
        if (e is OperationCanceledException)
        {
            return "timed out";
        }
        Exception inner = e;
        while (inner.InnerException is { } next)
        {
            inner = next;
        }
        return ReferenceEquals(inner, e) ? e.Message : $"{e.Message} ({inner.Message})";
    }

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
