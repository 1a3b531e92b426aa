using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Cluster.Tls;

namespace Particle.Daemon.Cluster.Kubernetes;

/// <summary>
/// The three Node calls the store makes (get, list + watch, merge-patch of annotations), over HTTPS that
/// trusts only the service account's CA bundle, with the service account's bearer token. The token file is
/// read for every request because the kubelet rotates projected tokens; the CA bundle is looked at before every
/// request too and read again when it changed (a CA rotation updates the mounted ca.crt), each new connection
/// being checked against the newest usable bundle.
/// </summary>
internal sealed class KubernetesClient : IDisposable
{
    private readonly KubernetesStoreOptions _options;
    private readonly HttpClient _http;
    private readonly ReloadableFiles<X509Certificate2Collection> _authorities;
    private readonly Lock _healthLock = new();
    private ClusterStoreHealth _health = new(false, null, null);
    private TlsRejection? _lastRejection;

    public KubernetesClient(KubernetesStoreOptions options, ILogger log)
    {
        _options = options;
        _authorities = new ReloadableFiles<X509Certificate2Collection>("kubernetes: CA bundle", [options.CaFile],
            () => LoadAuthorities(options.CaFile), CaBundle.Describe, log);
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                // The cluster CA and nothing else: the system's roots have no say over the API server.
                RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                {
                    TlsRejection? rejection = ServerCertificates.Check(certificate, chain, errors, _authorities.Current, options.CaFile,
                        (sender as SslStream)?.TargetHostName ?? options.ApiServer.IdnHost, DateTime.UtcNow);
                    _lastRejection = rejection;
                    return rejection is null;
                },
            },
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
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

    public Task<NodeObject> GetNodeAsync(string name, CancellationToken cancel) =>
        SendAsync(HttpMethod.Get, $"/api/v1/nodes/{Uri.EscapeDataString(name)}", null, KubernetesJsonContext.Default.NodeObject, cancel);

    public Task<NodeList> ListNodesAsync(CancellationToken cancel) =>
        SendAsync(HttpMethod.Get, "/api/v1/nodes", null, KubernetesJsonContext.Default.NodeList, cancel);

    /// <summary>A JSON merge patch of the Node's annotations (other annotations are left alone).</summary>
    public Task<NodeObject> PatchAnnotationsAsync(string name, Dictionary<string, string> annotations, CancellationToken cancel)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new AnnotationPatch(new AnnotationPatchMeta(annotations)),
            KubernetesJsonContext.Default.AnnotationPatch);
        var content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/merge-patch+json") } };
        return SendAsync(HttpMethod.Patch, $"/api/v1/nodes/{Uri.EscapeDataString(name)}", content, KubernetesJsonContext.Default.NodeObject, cancel);
    }

    /// <summary>Opens a watch of all Nodes after <paramref name="resourceVersion"/>, with bookmarks; the caller reads JSON lines.</summary>
    public async Task<HttpResponseMessage> OpenWatchAsync(string resourceVersion, CancellationToken cancel)
    {
        string path = $"/api/v1/nodes?watch=1&resourceVersion={Uri.EscapeDataString(resourceVersion)}&allowWatchBookmarks=true&timeoutSeconds=300";
        using HttpRequestMessage request = Request(HttpMethod.Get, path, null);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        }
        catch (Exception e) when (!cancel.IsCancellationRequested && e is HttpRequestException or IOException)
        {
            throw Unreachable(e);
        }
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ReadErrorAsync(response, path, cancel);
            }
        }
        MarkContact();
        return response;
    }

    public void MarkContact()
    {
        lock (_healthLock)
        {
            _health = new ClusterStoreHealth(true, DateTimeOffset.UtcNow, _health.LastError);
        }
    }

    public void MarkFailure(string error)
    {
        lock (_healthLock)
        {
            _health = new ClusterStoreHealth(false, _health.LastContact, error);
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CancellationToken cancel)
    {
        using HttpRequestMessage request = Request(method, path, content);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(_options.RequestTimeout);
        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, deadline.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw await ReadErrorAsync(response, path, deadline.Token);
            }
            byte[] body = await response.Content.ReadAsByteArrayAsync(deadline.Token);
            MarkContact();
            return JsonSerializer.Deserialize(body, type) ?? throw new KubernetesApiException(0, $"kubernetes {path}: empty answer");
        }
        catch (Exception e) when (!cancel.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException)
        {
            throw Unreachable(e);
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content)
    {
        _authorities.Refresh();
        var request = new HttpRequestMessage(method, new Uri(_options.ApiServer, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ReadToken());
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private string ReadToken()
    {
        try
        {
            return File.ReadAllText(_options.TokenFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClusterStoreException($"kubernetes: cannot read the service account token {_options.TokenFile}: {e.Message}", e);
        }
    }

    private ClusterStoreException Unreachable(Exception e)
    {
        string message = FindInner<AuthenticationException>(e) is { } tls
            ? $"kubernetes: TLS with {_options.ApiServer} failed: {_lastRejection?.Message ?? $"its certificate is not trusted by the CA file {_options.CaFile} ({tls.Message})"}"
            : e is OperationCanceledException
                ? $"kubernetes: {_options.ApiServer} did not answer within {_options.RequestTimeout.TotalSeconds} s"
                : $"kubernetes: cannot reach {_options.ApiServer}: {e.Message}";
        MarkFailure(message);
        return new ClusterStoreException(message, e);
    }

    private async Task<Exception> ReadErrorAsync(HttpResponseMessage response, string path, CancellationToken cancel)
    {
        string text = await response.Content.ReadAsStringAsync(cancel);
        MarkContact();   // it answered; the request was wrong or refused
        StatusObject? status = null;
        try
        {
            status = JsonSerializer.Deserialize(text, KubernetesJsonContext.Default.StatusObject);
        }
        catch (JsonException)
        {
            // not a Status: report the raw text
        }
        int code = (int)response.StatusCode;
        string hint = code is 401 ? " (is the service account token valid?)" : code is 403 ? " (does the ClusterRole grant get/list/watch/patch on nodes?)" : "";
        return new KubernetesApiException(code, $"kubernetes {path}: HTTP {code} {status?.Reason}: {status?.Message ?? text.Trim()}{hint}");
    }

    private static X509Certificate2Collection LoadAuthorities(string caFile)
    {
        try
        {
            return CaBundle.Load(caFile, "CA bundle");
        }
        catch (ClusterStoreException e)
        {
            throw new ClusterStoreException($"kubernetes: {e.Message}", e.InnerException);
        }
    }

    private static T? FindInner<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }
        return null;
    }
}
