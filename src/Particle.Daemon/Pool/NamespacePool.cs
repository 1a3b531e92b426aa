using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Attachments;
using Particle.Daemon.Configuration;
using Particle.Daemon.Ipam;
using Particle.Daemon.Kernel;
using Particle.Daemon.Metrics;
using Particle.Linux;
using Particle.Netlink;
using Particle.Protocol;

namespace Particle.Daemon.Pool;

/// <summary>
/// The pre-wired namespace pool of one network (Particle's model: take namespace creation and wiring off
/// the start-up path). A background filler keeps <see cref="NamespacePoolSettings.Size"/> namespaces free
/// and fully wired; CLAIM hands one out with no kernel work (one durable claim file); RELEASE destroys it
/// (scrubbing a namespace that ran arbitrary code is harder to get right than making a fresh one) and the
/// filler replaces it.
/// </summary>
public sealed class NamespacePool
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly NetworkDefinition _network;
    private readonly IpamStore _ipam;
    private readonly RouteNetlink _node;
    private readonly IPodDataPlane _dataPlane;
    private readonly SemaphoreSlim _kernelSlots;
    private readonly ClaimStore _claims;
    private readonly ILogger _log;
    private readonly int _fillConcurrency;
    private readonly Regex _entryName;

    private readonly Lock _gate = new();
    private readonly LinkedList<PooledNamespace> _free = new();
    private readonly Dictionary<string, PooledNamespace> _byPath = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, PooledNamespace> _byInode = [];
    // Released on every claim; the filler wakes once per release and re-counts, so extra wake-ups are harmless.
    private readonly SemaphoreSlim _wake = new(0);
    private long _nextIndex;
    private int _filling;
    private long _created;
    private long _destroyed;
    private string? _lastError;

    public NamespacePool(NetworkDefinition network, IpamStore ipam, RouteNetlink node, IPodDataPlane dataPlane,
        SemaphoreSlim kernelSlots, int kernelConcurrency, ClaimStore claims, ILogger log)
    {
        _network = network;
        _ipam = ipam;
        _node = node;
        _dataPlane = dataPlane;
        _kernelSlots = kernelSlots;
        _claims = claims;
        _log = log;
        // The filler takes at most half the kernel slots, so CNI ADDs arriving while it refills still get through.
        _fillConcurrency = Math.Max(1, kernelConcurrency / 2);
        _entryName = new Regex($"^{Regex.Escape(network.Name)}-([0-9]{{1,18}})$", RegexOptions.CultureInvariant);
    }

    public NamespacePoolSettings Settings => _network.NamespacePool;
    public string ContainerIdPrefix => $"pool-{_network.Name}-";

    /// <summary>Whether an allocation belongs to this pool (its address is not a runtime's to garbage-collect).</summary>
    public bool Owns(AttachmentId id) => id.Network == _network.Name && id.ContainerId.StartsWith(ContainerIdPrefix, StringComparison.Ordinal);

    public PooledNamespace? ByInode(ulong inode)
    {
        lock (_gate)
            return _byInode.GetValueOrDefault(inode);
    }

    public PooledNamespace? ByPath(string path)
    {
        lock (_gate)
            return _byPath.GetValueOrDefault(path);
    }

    public PooledNamespace? ByCniKey(AttachmentId key)
    {
        lock (_gate)
            return _byPath.Values.FirstOrDefault(e => e.CniKey == key);
    }

    public NamespacePoolStatusInfo Status()
    {
        lock (_gate)
        {
            return new NamespacePoolStatusInfo
            {
                Folder = Settings.Folder,
                Size = Settings.Size,
                Free = _free.Count,
                Claimed = _byPath.Count - _free.Count,
                Filling = _filling,
                Created = _created,
                Destroyed = _destroyed,
                LastError = _lastError,
            };
        }
    }

    /// <summary>
    /// Start-up, after the attachment service's own recovery (which already released allocations whose
    /// host veth vanished and removed veths no allocation accounts for): adopts every pin under the folder
    /// whose allocation, host veth and eth0 are consistent, claimed or free as its claim file says, and
    /// destroys everything else of this pool, so nothing leaks across a crash.
    /// </summary>
    public void Recover(Dictionary<string, ClaimRecord> claims)
    {
        // Bind mounts are made and unmounted under this folder: never through a planted link, never in a
        // folder others can write to. Readable by all: runtimes join the namespaces by path.
        if (Settings.Enabled || Directory.Exists(Settings.Folder))
            PrivateFolder.Ensure(Settings.Folder, (UnixFileMode)0x1ED);
        var seen = new HashSet<AttachmentId>();
        // A pool turned off still has its leftovers removed: they are found (and destroyed) below.
        var pins = Directory.Exists(Settings.Folder) ? Directory.EnumerateFiles(Settings.Folder).ToList() : [];
        foreach (var path in pins)
        {
            var match = _entryName.Match(System.IO.Path.GetFileName(path));
            if (!match.Success)
                continue;
            long index = long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            _nextIndex = Math.Max(_nextIndex, index + 1);
            string name = System.IO.Path.GetFileName(path);
            var id = new AttachmentId(_network.Name, PooledNamespace.ContainerIdFor(_network.Name, index), PooledNamespace.IfName);
            seen.Add(id);
            var entry = TryAdopt(name, path, id, out string? problem);
            if (entry is null)
            {
                _log.LogInformation("namespace pool {Network}: destroying {Path}: {Problem}", _network.Name, path, problem);
                DestroyLeftover(path, id);
                continue;
            }
            if (claims.Remove(name, out var claim))
            {
                entry.Claimed = true;
                if (claim.CniContainerId is { Length: > 0 } container && claim.CniIfName is { Length: > 0 } ifName)
                    entry.CniKey = new AttachmentId(_network.Name, container, ifName);
            }
            else
            {
                _free.AddLast(entry);
            }
            _byPath[entry.Path] = entry;
            _byInode[entry.Inode] = entry;
        }
        // Allocations of this pool without a pin: the namespace was removed behind the daemon's back.
        foreach (var allocation in _ipam.List(_network.Name).Where(a => Owns(a.Id) && !seen.Contains(a.Id)))
            DestroyLeftover(allocation.Netns, allocation.Id);
        foreach (var stale in claims.Keys.Where(k => _entryName.IsMatch(k)).ToList())
        {
            _claims.Delete(stale);
            claims.Remove(stale);
        }
        // A pool made smaller in the config gives back the free namespaces it no longer needs.
        while (_free.Count > Settings.Size)
        {
            var extra = _free.Last!.Value;
            _free.RemoveLast();
            Forget(extra);
            Destroy(extra);
        }
        _log.LogInformation("namespace pool {Network}: adopted {Free} free and {Claimed} claimed namespace(s) in {Folder}",
            _network.Name, _free.Count, _byPath.Count - _free.Count, Settings.Folder);
    }

    /// <summary>
    /// Housekeeping: an entry whose host veth is gone (its eth0 was deleted inside, e.g. by the plugin's
    /// DEL fallback while the daemon was down) is destroyed and replaced, so its address is not held for ever.
    /// </summary>
    public void Sweep(IReadOnlyList<Link> nodeLinks)
    {
        var present = nodeLinks.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        List<PooledNamespace> broken;
        lock (_gate)
            broken = _byPath.Values.Where(e => !present.Contains(e.HostName)).ToList();
        foreach (var entry in broken)
        {
            // Looked up again: the dump may predate the entry's creation.
            if (_node.GetLink(entry.HostName) is not null || !Forget(entry))
                continue;
            _log.LogInformation("namespace pool {Network}: {Path} lost its interface; destroyed and replaced", _network.Name, entry.Path);
            DaemonEvents.Record(EventKinds.Pool, _network.Name, entry.Path, "lost its interface; destroyed and replaced", error: true);
            Destroy(entry);
            _claims.Delete(entry.Name);
            _wake.Release();
        }
    }

    /// <summary>The background filler; runs until <paramref name="stop"/>.</summary>
    public async Task FillAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                int missing;
                lock (_gate)
                    missing = Settings.Size - _free.Count - _filling;
                if (missing <= 0)
                {
                    await _wake.WaitAsync(stop);
                    continue;
                }
                int batch = Math.Min(missing, _fillConcurrency);
                lock (_gate)
                    _filling += batch;
                long refillStarted = Stopwatch.GetTimestamp();
                var work = Enumerable.Range(0, batch).Select(_ => Task.Run(() => CreateAsync(stop), CancellationToken.None)).ToArray();
                try
                {
                    await Task.WhenAll(work);
                }
                catch (Exception) when (work.Any(t => t.IsFaulted))
                {
                    var error = work.First(t => t.IsFaulted).Exception!.InnerException!;
                    lock (_gate)
                        _lastError = $"{DateTimeOffset.UtcNow:O} {error.Message}";
                    _log.LogWarning("namespace pool {Network}: refill failed, retrying in {Delay}: {Error}", _network.Name, RetryDelay, error.Message);
                    await Task.Delay(RetryDelay, stop);
                }
                finally
                {
                    lock (_gate)
                        _filling -= batch;
                    PoolMetrics.Refilled(_network.Name, PoolKinds.Namespace, batch, Stopwatch.GetElapsedTime(refillStarted), work.FirstOrDefault(t => t.IsFaulted)?.Exception?.InnerException);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Hands out a free namespace; the only I/O is the durable claim file.</summary>
    public ClaimInfo Claim()
    {
        if (!Settings.Enabled)
            throw new AttachmentFailure(ErrorCodes.NotAvailable,
                $"network \"{_network.Name}\" has no namespace pool (set networks[].namespacePool.size in particled's config)");
        PooledNamespace entry;
        lock (_gate)
        {
            if (_free.First is not { } first)
                throw new AttachmentFailure(ErrorCodes.TryAgainLater,
                    $"network \"{_network.Name}\": no free pooled namespace (size {Settings.Size}, {_filling} being created); try again shortly");
            entry = first.Value;
            _free.RemoveFirst();
            entry.Claimed = true;
        }
        try
        {
            _claims.Write(entry.Name, new ClaimRecord { ClaimedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
        }
        catch
        {
            lock (_gate)
            {
                entry.Claimed = false;
                _free.AddFirst(entry);
            }
            throw;
        }
        _wake.Release();
        return new ClaimInfo
        {
            Network = _network.Name,
            Netns = entry.Path,
            Address = _dataPlane.PodAddress(entry.Allocation.Address).ToString(),
            Gateway = _network.Gateway.ToString(),
            Interface = PooledNamespace.IfName,
            Mac = entry.PodMac.ToString(),
            HostInterface = entry.HostName,
            Mtu = _network.Mtu,
        };
    }

    /// <summary>Takes a claimed namespace back: destroyed now, replaced by the filler.</summary>
    public async Task ReleaseAsync(PooledNamespace entry, CancellationToken cancel)
    {
        lock (_gate)
        {
            if (!entry.Claimed)
                throw new AttachmentFailure(ErrorCodes.InvalidEnvironment, $"{entry.Path} is a free pooled namespace; only claimed ones can be released");
            if (!Forget(entry))
                return; // a concurrent RELEASE (or DEL) got there first
        }
        await _kernelSlots.WaitAsync(cancel);
        try
        {
            Destroy(entry);
        }
        finally
        {
            _kernelSlots.Release();
        }
        _claims.Delete(entry.Name);
        _wake.Release();
    }

    /// <summary>
    /// A CNI ADD on a claimed namespace: records the runtime's key against the entry (durably, so a DEL
    /// after a restart still finds it) and answers what the namespace already has; no kernel work.
    /// </summary>
    public AttachmentResult Attach(PooledNamespace entry, AttachmentId key, string netns)
    {
        lock (_gate)
        {
            if (!entry.Claimed)
                throw new AttachmentFailure(ErrorCodes.InvalidEnvironment,
                    $"CNI_NETNS {netns} is a free namespace of particled's pool; claim it first (particlectl claim --network {_network.Name})");
            if (entry.CniKey is { } existing)
                throw new AttachmentFailure(ErrorCodes.AlreadyExists, $"pooled namespace {entry.Path} is already attached as {existing}");
            if (key.IfName != PooledNamespace.IfName)
                throw new AttachmentFailure(ErrorCodes.InvalidEnvironment,
                    $"pooled namespace {entry.Path} has its interface as {PooledNamespace.IfName}; CNI_IFNAME {key.IfName} cannot be used");
            entry.CniKey = key;
        }
        try
        {
            _claims.Write(entry.Name, new ClaimRecord
            {
                ClaimedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                CniContainerId = key.ContainerId,
                CniIfName = key.IfName,
            });
        }
        catch
        {
            lock (_gate)
                entry.CniKey = null;
            throw;
        }
        var wired = new WiredPod(entry.HostName, entry.HostMac, PooledNamespace.IfName, entry.PodMac, _network.Mtu);
        return ResultBuilder.For(_network, _dataPlane, wired, netns, entry.Allocation.Address);
    }

    /// <summary>Takes back an ADD on a claimed namespace whose answer never reached the runtime: the claim stays.</summary>
    public void Detach(PooledNamespace entry, AttachmentId key)
    {
        lock (_gate)
        {
            if (entry.CniKey != key)
                return;
            entry.CniKey = null;
        }
        if (entry.Claimed && ByPath(entry.Path) is not null)
            _claims.Write(entry.Name, new ClaimRecord { ClaimedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
    }

    private async Task CreateAsync(CancellationToken stop)
    {
        long index = Interlocked.Increment(ref _nextIndex) - 1;
        string name = $"{_network.Name}-{index}";
        string path = System.IO.Path.Combine(Settings.Folder, name);
        var id = new AttachmentId(_network.Name, PooledNamespace.ContainerIdFor(_network.Name, index), PooledNamespace.IfName);
        long started = Stopwatch.GetTimestamp();
        var allocation = _ipam.Reserve(id, path) ?? throw new AttachmentFailure(ErrorCodes.AddressesExhausted,
            $"network \"{_network.Name}\" has no free address left for the namespace pool");
        string hostName = HostVethName.For(id);
        bool pinned = false;
        WiredPod? wired = null;
        try
        {
            ulong inode;
            // The kernel slot covers the namespace creation (it registers lo under RTNL) and the wiring, not
            // the journal's fsync below, as for a cold ADD.
            await _kernelSlots.WaitAsync(stop);
            try
            {
                PinnedNamespace.Create(path, BringLoopbackUp);
                pinned = true;
                using var ns = NetworkNamespace.Open(path);
                inode = ns.Inode;
                wired = _dataPlane.Attach(new PodEndpoint(_network, ns, hostName, PooledNamespace.IfName, allocation.Address));
            }
            finally
            {
                _kernelSlots.Release();
            }
            // Committed like an answered ADD: from here a crash leaves a consistent entry that recovery adopts.
            await _ipam.CommitAsync(allocation);
            var entry = new PooledNamespace(name, path, allocation, inode, wired.HostMac, wired.PodMac);
            lock (_gate)
            {
                _free.AddLast(entry);
                _byPath[path] = entry;
                _byInode[entry.Inode] = entry;
                _created++;
            }
            _log.LogDebug("namespace pool {Network}: {Path} {Address} ready ({Ms:F2} ms)", _network.Name, path, allocation.Address,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch
        {
            if (wired is not null)
                _dataPlane.Remove(hostName);
            if (pinned)
                PinnedNamespace.Destroy(path);
            _ipam.Release(allocation);
            throw;
        }
    }

    private static void BringLoopbackUp()
    {
        using var inside = RouteNetlink.Open();
        var lo = inside.GetLink("lo") ?? throw new InvalidOperationException("a new network namespace has no lo");
        inside.SetUp(lo.Index);
    }

    private PooledNamespace? TryAdopt(string name, string path, AttachmentId id, out string? problem)
    {
        problem = null;
        var allocation = _ipam.Find(id);
        if (allocation is not { Committed: true } || allocation.Netns != path)
        {
            problem = "no committed allocation for it (creation cut short)";
            return null;
        }
        var host = _node.GetLink(HostVethName.For(id));
        if (!_dataPlane.IsAlive(host) || host!.Mac is null)
        {
            problem = $"host interface {HostVethName.For(id)} is missing";
            return null;
        }
        try
        {
            using var ns = NetworkNamespace.Open(path);
            using var inside = RouteNetlink.OpenIn(ns);
            var eth = inside.GetLink(PooledNamespace.IfName);
            if (eth?.Mac is null)
            {
                problem = $"{PooledNamespace.IfName} is missing inside";
                return null;
            }
            return new PooledNamespace(name, path, allocation, ns.Inode, host.Mac.Value, eth.Mac.Value);
        }
        catch (Exception e) when (e is LinuxException or NotANetworkNamespaceException)
        {
            problem = $"not a live namespace pin ({e.Message})";
            return null;
        }
    }

    /// <summary>Every entry's pod, with the MAC recorded when it was wired.</summary>
    public List<LivePod> LivePods()
    {
        lock (_gate)
            return _byPath.Values.Select(e => new LivePod(e.HostName, e.Allocation.Address, e.PodMac, e.Path, PooledNamespace.IfName)).ToList();
    }

    /// <summary>Removes an entry from the indexes; false when it was already gone.</summary>
    private bool Forget(PooledNamespace entry)
    {
        lock (_gate)
        {
            if (!_byPath.Remove(entry.Path))
                return false;
            _byInode.Remove(entry.Inode);
            _free.Remove(entry);
            return true;
        }
    }

    /// <summary>
    /// Host veth first (the namespace's own teardown is asynchronous in the kernel, and a process of the
    /// claimant may still hold it), then the pin, then the address. The veth is retired to the graveyard
    /// (cut off at once, deleted in the background) rather than deleted here: ~0.3 ms instead of ~20.
    /// </summary>
    private void Destroy(PooledNamespace entry)
    {
        _dataPlane.Detach(entry.HostName, pod: null, PooledNamespace.IfName);
        PinnedNamespace.Destroy(entry.Path);
        _ipam.Release(entry.Allocation);
        lock (_gate)
            _destroyed++;
    }

    private void DestroyLeftover(string? path, AttachmentId id)
    {
        _dataPlane.Remove(HostVethName.For(id));
        // Only a path inside the pool folder is ours to remove.
        if (path is not null && System.IO.Path.GetDirectoryName(path) == Settings.Folder)
            PinnedNamespace.Destroy(path);
        if (_ipam.Find(id) is { } allocation)
            _ipam.Release(allocation);
    }
}
