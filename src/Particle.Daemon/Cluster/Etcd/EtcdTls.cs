using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Cluster.Tls;

namespace Particle.Daemon.Cluster.Etcd;

/// <summary>
/// particled's TLS towards etcd: the server certificate checked against <c>caFile</c> (the host of the
/// endpoint, or <c>serverName</c> when given, must be among its names), the client certificate and key of
/// <c>certFile</c>/<c>keyFile</c> offered for mutual TLS, TLS 1.2 at least. All three files are read again
/// when they change (<see cref="ReloadableFiles{T}"/>): each new connection uses the newest usable ones,
/// connections already open keep theirs. A refused handshake is turned into a sentence naming the cause.
/// </summary>
internal sealed class EtcdTls : IDisposable
{
    /// <summary>How long a refusal by the certificate check explains a failed handshake.</summary>
    private static readonly TimeSpan RejectionMemory = TimeSpan.FromSeconds(30);

    /// <summary>How often a reset connection is looked into with a TLS 1.2 handshake.</summary>
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(5);

    private readonly EtcdStoreOptions _options;
    private readonly ReloadableFiles<X509Certificate2Collection>? _authorities;
    private readonly ReloadableFiles<X509Certificate2>? _client;
    private (DateTime At, TlsRejection Rejection)? _lastRejection;
    private (DateTime At, TlsRejection? Verdict)? _lastProbe;
    private HttpClient? _probe;

    public EtcdTls(EtcdStoreOptions options, ILogger log)
    {
        _options = options;
        if (options.CaFile is { } caFile)
        {
            _authorities = new ReloadableFiles<X509Certificate2Collection>("etcd: CA bundle", [caFile],
                () => CaBundle.Load(caFile, "etcd.caFile"), CaBundle.Describe, log);
        }
        if (options.CertFile is { } certFile && options.KeyFile is { } keyFile)
        {
            // The first read takes a certificate outside its validity (with the error below: refusing to start
            // would not make a valid one appear); a replacement outside its validity is refused and the one in
            // use kept. _client is still null during the first read.
            _client = new ReloadableFiles<X509Certificate2>("etcd: client certificate", [certFile, keyFile],
                () => LoadClientCertificate(certFile, keyFile, refuseOutsideValidity: _client is not null), Describe, log);
            X509Certificate2 first = _client.Current;
            if (TimeProblem(first, DateTime.UtcNow) is { } problem)
            {
                // Still loaded: the operator may be about to rotate it, and the error below names it at each refusal.
                log.LogError("etcd: the client certificate {File} {Problem}: etcd will refuse it", certFile, problem);
            }
        }
    }

    /// <summary>Sets the handler's TLS options; every connection it makes afterwards asks this object.</summary>
    public void Apply(SocketsHttpHandler handler)
    {
        handler.SslOptions = Options(SslProtocols.Tls12 | SslProtocols.Tls13);
        _probe = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = handler.ConnectCallback,
            ConnectTimeout = handler.ConnectTimeout,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = Options(SslProtocols.Tls12),
        }) { Timeout = TimeSpan.FromSeconds(3) };
    }

    private SslClientAuthenticationOptions Options(SslProtocols protocols) => new()
    {
        EnabledSslProtocols = protocols,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            Verify((sender as SslStream)?.TargetHostName, certificate, chain, errors),
        LocalCertificateSelectionCallback = _client is null ? null : (_, _, _, _, _) => _client.Current,
    };

    public void Dispose() => _probe?.Dispose();

    /// <summary>Reads changed files now (a client about to reconnect calls this).</summary>
    public void Refresh()
    {
        _authorities?.Refresh();
        _client?.Refresh();
    }

    /// <summary>
    /// Why a call that got no answer failed, when TLS was the cause: a metric label and a sentence; else null.
    /// A server certificate refused here is known exactly. A client certificate refused by etcd is not: under
    /// TLS 1.3 the client finishes its handshake before the server has looked at its certificate, and the refusal
    /// arrives as a reset connection. So on a reset, one TLS 1.2 handshake (where the server refuses inside the
    /// handshake, with an alert) is tried to tell a refused certificate from a dead member; at most every 5 s.
    /// </summary>
    public async Task<TlsRejection?> ExplainAsync(Uri endpoint, Exception failure, CancellationToken cancel)
    {
        if (Explain(failure) is { } known)
        {
            return known;
        }
        if (_probe is null || !Messages(failure).Any(m => m.Contains("reset by peer", StringComparison.OrdinalIgnoreCase)
                || m.Contains("unexpected EOF", StringComparison.OrdinalIgnoreCase) || m.Contains("ended prematurely", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }
        if (_lastProbe is var (at, cached) && DateTime.UtcNow - at < ProbeInterval)
        {
            return cached;
        }
        TlsRejection? verdict = null;
        try
        {
            using HttpResponseMessage _ = await _probe.GetAsync(new Uri(endpoint, "/health"), cancel);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !cancel.IsCancellationRequested)
        {
            verdict = Explain(e);
        }
        _lastProbe = (DateTime.UtcNow, verdict);
        return verdict;
    }

    /// <summary>The verdict on a failure that carries its TLS cause (a refusal by the certificate check, an alert); else null.</summary>
    public TlsRejection? Explain(Exception failure)
    {
        bool authentication = false;
        for (Exception? e = failure; e is not null; e = e.InnerException)
        {
            authentication |= e is AuthenticationException;
        }
        // OpenSSL's text for an alert from the server: "...sslv3 alert bad certificate" (Go's etcd sends
        // bad_certificate for every refusal of a client certificate, expired and untrusted alike).
        string? alert = Messages(failure).LastOrDefault(m => m.Contains(" alert ", StringComparison.OrdinalIgnoreCase));
        if (!authentication && alert is null)
        {
            return null;
        }
        if (alert is null && _lastRejection is var (at, rejection) && DateTime.UtcNow - at < RejectionMemory)
        {
            return rejection;
        }
        if (alert is not null && (alert.Contains("certificate", StringComparison.OrdinalIgnoreCase) || alert.Contains("unknown ca", StringComparison.OrdinalIgnoreCase)))
        {
            return ClientRefused();
        }
        return new TlsRejection("tls_handshake", $"the TLS handshake failed: {alert ?? Messages(failure).Last()}");
    }

    private TlsRejection ClientRefused()
    {
        if (_client is null)
        {
            return new TlsRejection("client_cert_refused",
                "etcd refused the TLS handshake: it requires a client certificate (--client-cert-auth) and none is configured (etcd.certFile, etcd.keyFile)");
        }
        X509Certificate2 mine = _client.Current;
        if (TimeProblem(mine, DateTime.UtcNow) is { } problem)
        {
            return new TlsRejection(mine.NotAfter.ToUniversalTime() < DateTime.UtcNow ? "client_cert_expired" : "client_cert_not_yet_valid",
                $"etcd refused the client certificate {_options.CertFile}: it {problem}");
        }
        return new TlsRejection("client_cert_refused",
            $"etcd refused the client certificate {_options.CertFile} ({mine.Subject}, issued by {mine.Issuer}): " +
            "it is not signed by a CA of etcd's --trusted-ca-file");
    }

    private static IEnumerable<string> Messages(Exception failure)
    {
        for (Exception? e = failure; e is not null; e = e.InnerException)
        {
            yield return e.Message;
        }
    }

    private bool Verify(string? host, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        string expected = _options.ServerName ?? host ?? "";
        TlsRejection? rejection = ServerCertificates.Check(certificate, chain, errors, _authorities?.Current, _options.CaFile,
            expected, DateTime.UtcNow);
        if (rejection is not null)
        {
            _lastRejection = (DateTime.UtcNow, rejection with { Message = $"etcd at {host}: {rejection.Message}" });
        }
        return rejection is null;
    }

    private static X509Certificate2 LoadClientCertificate(string certFile, string keyFile, bool refuseOutsideValidity)
    {
        SecretFile.CheckPrivate(keyFile, "etcd.keyFile");
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // The exception's text names the problem (no PEM, key does not match); it never quotes the key.
            throw new ClusterStoreException($"etcd.certFile {certFile} with etcd.keyFile {keyFile} cannot be used: {e.Message}", e);
        }
        if (!certificate.HasPrivateKey)
        {
            throw new ClusterStoreException($"etcd.keyFile {keyFile} holds no private key for {certFile}");
        }
        if (refuseOutsideValidity && TimeProblem(certificate, DateTime.UtcNow) is { } problem)
        {
            throw new ClusterStoreException($"the certificate {certificate.Subject} {problem}");
        }
        return certificate;
    }

    private static string? TimeProblem(X509Certificate2 certificate, DateTime now) =>
        certificate.NotAfter.ToUniversalTime() < now ? $"expired at {certificate.NotAfter.ToUniversalTime():u}"
        : certificate.NotBefore.ToUniversalTime() > now ? $"is not valid before {certificate.NotBefore.ToUniversalTime():u}"
        : null;

    private static string Describe(X509Certificate2 certificate) =>
        $"{certificate.Subject} (serial {certificate.SerialNumber}, valid until {certificate.NotAfter.ToUniversalTime():u})";
}
