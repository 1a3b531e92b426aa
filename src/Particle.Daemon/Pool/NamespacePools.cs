using Microsoft.Extensions.Logging;
using Particle.Daemon.Attachments;
using Particle.Daemon.Configuration;
using Particle.Daemon.Ipam;
using Particle.Linux;
using Particle.Netlink;
using Particle.Protocol;

namespace Particle.Daemon.Pool;

/// <summary>The namespace pools of every network, and the verbs that reach them (CLAIM, RELEASE, NODESTATUS).</summary>
public sealed class NamespacePools
{
    private readonly DaemonSettings _settings;
    private readonly IpamStore _ipam;
    private readonly ILogger _log;
    private readonly Dictionary<string, NamespacePool> _pools = new(StringComparer.Ordinal);
    private readonly ClaimStore _claims;

    public NamespacePools(DaemonSettings settings, IpamStore ipam, RouteNetlink node, Kernel.IPodDataPlane dataPlane,
        SemaphoreSlim kernelSlots, ILogger log)
    {
        _settings = settings;
        _ipam = ipam;
        _log = log;
        _claims = new ClaimStore(settings.StateDir);
        foreach (var network in settings.Networks.Values)
        {
            _pools[network.Name] = new NamespacePool(network, ipam, node, dataPlane, kernelSlots,
                settings.KernelConcurrency, _claims, log);
        }
    }

    /// <summary>Adopts or destroys what the pools left before a restart; run after the attachments' own recovery.</summary>
    public void Recover()
    {
        var warnings = new List<string>();
        var claims = _claims.ReadAll(warnings);
        foreach (var pool in _pools.Values)
            pool.Recover(claims);
        foreach (var stale in claims.Keys)
        {
            warnings.Add($"claim record {stale} matches no configured network's pool; removed");
            _claims.Delete(stale);
        }
        foreach (var warning in warnings)
            _log.LogWarning("namespace pool: {Warning}", warning);
    }

    /// <summary>The pods of the pool entries of <paramref name="network"/>, for the data plane's reconcile.</summary>
    public IEnumerable<Kernel.LivePod> LivePods(string network) =>
        _pools.TryGetValue(network, out var pool) ? pool.LivePods() : [];

    /// <summary>Destroys (and lets the fillers replace) pool entries whose host veth vanished.</summary>
    public void Sweep(IReadOnlyList<Link> nodeLinks)
    {
        foreach (var pool in _pools.Values)
            pool.Sweep(nodeLinks);
    }

    /// <summary>Runs every pool's filler until <paramref name="stop"/>.</summary>
    public Task FillAsync(CancellationToken stop) =>
        Task.WhenAll(_pools.Values.Where(p => p.Settings.Enabled).Select(p => Task.Run(() => p.FillAsync(stop), CancellationToken.None)));

    /// <summary>Allocations a runtime's GC must not touch.</summary>
    public bool Owns(AttachmentId id) => _pools.TryGetValue(id.Network, out var pool) && pool.Owns(id);

    /// <summary>The pooled namespace a CNI_NETNS refers to (compared by namespace inode), if any.</summary>
    public (NamespacePool Pool, PooledNamespace Entry)? ByInode(string network, ulong inode) =>
        _pools.TryGetValue(network, out var pool) && pool.ByInode(inode) is { } entry ? (pool, entry) : null;

    /// <summary>Any network's pooled namespace by inode: an ADD for another network must not wire a pooled namespace either.</summary>
    public PooledNamespace? AnyByInode(ulong inode) =>
        _pools.Values.Select(p => p.ByInode(inode)).FirstOrDefault(e => e is not null);

    /// <summary>
    /// CNI ADD on <paramref name="inode"/>: the result of the claimed pooled namespace it is, or null when it
    /// is no pooled namespace. A free one, or one of another network's pool, is refused.
    /// </summary>
    public AttachmentResult? TryAttach(string network, AttachmentId key, ulong inode, string netns)
    {
        if (ByInode(network, inode) is var (pool, entry))
            return pool.Attach(entry, key, netns);
        if (AnyByInode(inode) is { } other)
            throw new AttachmentFailure(ErrorCodes.InvalidEnvironment,
                $"CNI_NETNS {netns} is pooled namespace {other.Path} of network \"{other.Id.Network}\", not of \"{network}\"");
        return null;
    }

    public (NamespacePool Pool, PooledNamespace Entry)? ByCniKey(AttachmentId key) =>
        _pools.TryGetValue(key.Network, out var pool) && pool.ByCniKey(key) is { } entry ? (pool, entry) : null;

    public DaemonResponse Claim(DaemonRequest request)
    {
        var pool = _pools.GetValueOrDefault(request.Network) ?? throw UnknownNetwork(request.Network);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var claim = pool.Claim();
        _log.LogInformation("{Network}: CLAIM {Netns} {Address} ({Ms:F3} ms)", request.Network, claim.Netns, claim.Address,
            System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new DaemonResponse { Claim = claim };
    }

    public async Task<DaemonResponse> ReleaseAsync(DaemonRequest request, CancellationToken cancel)
    {
        if (string.IsNullOrEmpty(request.Netns))
            throw new AttachmentFailure(ErrorCodes.InvalidEnvironment, "RELEASE needs the claimed namespace's path (netns)");
        foreach (var pool in _pools.Values)
        {
            var entry = pool.ByPath(request.Netns) ?? ByInodeOf(pool, request.Netns);
            if (entry is null)
                continue;
            await pool.ReleaseAsync(entry, cancel);
            return DaemonResponse.Success();
        }
        // Gone already (a DEL of the CNI attachment on it released it, or a repeated RELEASE): done.
        if (!File.Exists(request.Netns))
            return DaemonResponse.Success();
        throw new AttachmentFailure(ErrorCodes.UnknownContainer, $"{request.Netns} is not a pooled namespace of particled");
    }

    public DaemonResponse Status() => new()
    {
        Networks = _settings.Networks.Values.OrderBy(n => n.Name, StringComparer.Ordinal).Select(network =>
        {
            var (capacity, inUse) = _ipam.Usage(network.Name);
            return new NetworkStatusInfo
            {
                Name = network.Name,
                Subnet = network.Subnet.ToString(),
                Gateway = network.Gateway.ToString(),
                GatewayInterface = network.GatewayDevice,
                AddressesTotal = capacity,
                AddressesUsed = inUse,
                NamespacePool = network.NamespacePool.Enabled ? _pools[network.Name].Status() : null,
            };
        }).ToList(),
    };

    private static PooledNamespace? ByInodeOf(NamespacePool pool, string path)
    {
        try
        {
            using var ns = NetworkNamespace.Open(path);
            return pool.ByInode(ns.Inode);
        }
        catch (Exception e) when (e is LinuxException or NotANetworkNamespaceException)
        {
            return null;
        }
    }

    private AttachmentFailure UnknownNetwork(string network) => new(ErrorCodes.InvalidNetworkConfig,
        $"network \"{network}\" is not configured in particled (configured: {string.Join(", ", _settings.Networks.Keys)})");
}
