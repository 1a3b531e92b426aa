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
    }
}
