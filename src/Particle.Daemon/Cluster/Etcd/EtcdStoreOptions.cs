namespace Particle.Daemon.Cluster.Etcd;

/// <summary>
/// How particled reaches etcd: the client URLs of the members (tried in order, the next one on failure),
/// the key prefix under which every record lives, and the TTL of this node's lease. A node that stops
/// renewing disappears from its peers' snapshots that long after its last renewal.
/// </summary>
public sealed record EtcdStoreOptions(IReadOnlyList<Uri> Endpoints, string Prefix, TimeSpan LeaseTtl)
{
    public static readonly TimeSpan DefaultLeaseTtl = TimeSpan.FromSeconds(20);

    /// <summary>How long one unary request may take before the next endpoint is tried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest pause between reconnection attempts of a watch while etcd is away.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>PEM CA bundle that etcd's server certificate must chain to; null: the system's roots.</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate for mutual TLS, with <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; init; }

    /// <summary>Its private key: refused unless owned by root and unreadable by group and others.</summary>
    public string? KeyFile { get; init; }

    /// <summary>The name etcd's certificate must carry instead of the endpoint's host; only when asked for.</summary>
    public string? ServerName { get; init; }

    /// <summary>etcd user, with <see cref="PasswordFile"/>; null: no authentication.</summary>
    public string? Username { get; init; }

    public string? PasswordFile { get; init; }

    /// <summary>
    /// From the node config's <c>"etcd": {"endpoints": [...], "prefix": "/particle", "leaseTtlSeconds": 20}</c>
    /// (prefix and TTL optional); throws <see cref="ClusterStoreException"/> naming a bad value.
    /// </summary>
    public static EtcdStoreOptions From(IEnumerable<string>? endpoints, string? prefix, int? leaseTtlSeconds)
    {
        var uris = new List<Uri>();
        foreach (string text in endpoints ?? [])
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri))
            {
                throw new ClusterStoreException($"etcd: endpoint '{text}' is not a URL (write http://HOST:2379)");
            }
            uris.Add(uri);
        }
        var options = new EtcdStoreOptions(uris, prefix ?? "/particle",
            leaseTtlSeconds is int seconds ? TimeSpan.FromSeconds(seconds) : DefaultLeaseTtl);
        options.Validate();
        return options;
    }

    /// <summary>Throws when the options cannot work, naming the bad value.</summary>
    public void Validate()
    {
        if (Endpoints.Count == 0)
        {
            throw new ClusterStoreException("etcd: no endpoints configured");
        }
        foreach (Uri endpoint in Endpoints)
        {
            if (!endpoint.IsAbsoluteUri || endpoint.Scheme is not ("http" or "https"))
            {
                throw new ClusterStoreException($"etcd: endpoint '{endpoint}' is not an http:// or https:// URL");
            }
        }
        if (string.IsNullOrEmpty(Prefix) || !Prefix.StartsWith('/') || Prefix.EndsWith('/'))
        {
            throw new ClusterStoreException($"etcd: prefix '{Prefix}' must start with '/' and not end with one");
        }
        if (LeaseTtl < TimeSpan.FromSeconds(2) || LeaseTtl > TimeSpan.FromHours(1))
        {
            throw new ClusterStoreException($"etcd: lease TTL {LeaseTtl.TotalSeconds} s is outside 2 s .. 1 h");
        }
        if ((CertFile is null) != (KeyFile is null) || (Username is null) != (PasswordFile is null))
        {
            throw new ClusterStoreException("etcd: certFile goes with keyFile, username with passwordFile");
        }
        bool secured = CaFile is not null || CertFile is not null || ServerName is not null || Username is not null;
        if (secured && Endpoints.FirstOrDefault(e => e.Scheme != "https") is { } plain)
        {
            throw new ClusterStoreException($"etcd: endpoint '{plain}' is not https:// but TLS or a password is configured");
        }
    }
}
