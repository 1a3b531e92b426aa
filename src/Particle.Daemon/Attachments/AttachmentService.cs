using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Configuration;
using Particle.Daemon.Ipam;
using Particle.Daemon.Kernel;
using Particle.Daemon.Metrics;
using Particle.Daemon.Pool;
using Particle.Linux;
using Particle.Netlink;
using Particle.Protocol;

namespace Particle.Daemon.Attachments;

/// <summary>
/// Serves the CNI verbs for every network of the node: address allocation plus the kernel wiring, with
/// the invariant that an address is held exactly while its attachment's host veth exists (after ADD
/// answered) and that every failure path gives back what it took.
/// </summary>
public sealed class AttachmentService(DaemonSettings settings, IpamStore ipam, RouteNetlink node, ILogger log)
{
    private readonly KeyedLocks _locks = new();
    // More concurrent rtnetlink work only queues on the kernel's RTNL mutex; bounding it keeps latency
    // predictable under a burst and leaves room for the daemon's other work.
    private readonly SemaphoreSlim _kernelSlots = new(settings.KernelConcurrency, settings.KernelConcurrency);
    // Replaced by housekeeping when a bridge is re-created, while requests read it.
    private readonly ConcurrentDictionary<string, Link> _bridges = new(StringComparer.Ordinal);
    private readonly ulong _nodeNamespaceInode = NodeNamespaceInode();
    private NamespacePools? _pools;
    private readonly EndpointPools _endpoints = new(settings, ipam, log);
    private readonly Graveyard _graveyard = new(node, log);
    private VethCoalescer? _coalescer;
    private VethCoalescer Veths => _coalescer ?? throw new InvalidOperationException("Recover() has not run");

    /// <summary>The pre-wired namespace pools; they exist once <see cref="Recover"/> has run.</summary>
    public NamespacePools Pools => _pools ?? throw new InvalidOperationException("Recover() has not run");

    /// <summary>
    /// Background work until <paramref name="stop"/>: the namespace pools' fillers, the endpoint pools'
    /// fillers, and the deletion of veth pairs DEL retired.
    /// </summary>
    public Task RunBackgroundAsync(CancellationToken stop) => Task.WhenAll(
        Pools.FillAsync(stop),
        _endpoints.FillAsync(stop),
        Task.Run(() => _graveyard.RunAsync(_kernelSlots, stop), CancellationToken.None));

    /// <summary>
    /// Brings the node to a consistent state before any request is served: bridges in place, addresses
    /// of attachments that vanished while the daemon was away released, devices of ADDs that never
    /// answered removed, and DELs noted by the plugin carried out.
    /// </summary>
    public void Recover()
    {
        foreach (var warning in ipam.RecoveryWarnings)
            log.LogWarning("journal: {Warning}", warning);
        foreach (var network in settings.Networks.Values)
        {
            _bridges[network.Name] = NodeBridge.Ensure(node, network);
            log.LogInformation("network {Network}: bridge {Bridge} {Gateway}/{Prefix}, pods {First}-{Last}",
                network.Name, network.Bridge, network.Gateway, network.Subnet.PrefixLength, network.Range.First, network.Range.Last);
        }
        _coalescer = new VethCoalescer(node, _kernelSlots, log);
        // Pairs a DEL retired before a crash: their addresses are already released.
        _graveyard.DeleteAll();
        ReleaseVanished(out var links);
        RemoveOrphans(links);
        CarryOutPendingDeletes();
        _endpoints.Recover(node);
        ipam.Compact();
        // After the attachments' recovery, so a pool entry whose veth vanished has already lost its address.
        _pools = new NamespacePools(settings, ipam, node, name => _bridges[name], _kernelSlots, log, _graveyard);
        _pools.Recover();
        foreach (var network in settings.Networks.Values)
        {
            var (capacity, inUse) = ipam.Usage(network.Name);
            log.LogInformation("network {Network}: {InUse} of {Capacity} addresses in use after recovery", network.Name, inUse, capacity);
        }
    }

    /// <summary>Periodic housekeeping: notes left by the plugin, and attachments whose namespace died without a DEL.</summary>
    public void Sweep()
    {
        var broken = RepairBridges();
        CarryOutPendingDeletes();
        ReleaseVanished(out var links, broken);
        _pools?.Sweep(links);
    }

    public async Task<DaemonResponse> HandleAsync(DaemonRequest request, CancellationToken cancel)
    {
        try
        {
            return request.Verb switch
            {
                Verbs.Add => await AddAsync(request, cancel),
                Verbs.Del => await DelAsync(request, cancel),
                Verbs.Check => await CheckAsync(request, cancel),
                Verbs.Status => Status(request),
                Verbs.Gc => await GcAsync(request, cancel),
                Verbs.List => List(request),
                Verbs.Claim => Pools.Claim(request),
                Verbs.Release => await Pools.ReleaseAsync(request, cancel),
                Verbs.NodeStatus => NodeStatusView.Enrich(NodeStatus(), settings, node),
                Verbs.Events => DaemonEvents.Answer(request),
                _ => DaemonResponse.Failure(ErrorCodes.InvalidEnvironment, $"unknown verb \"{request.Verb}\""),
            };
        }
        catch (AttachmentFailure failure)
        {
            return failure.ToResponse();
        }
        catch (NetlinkException e) when (e.Errno == Errno.EXFULL && request.Verb == Verbs.Add)
        {
            // The kernel gives a bridge at most 1024 ports (BR_MAX_PORTS). A full bridge is a transient
            // condition of the node, not of the request: ports come back as pods leave.
            NetlinkMetrics.Failed(e);
            return DaemonResponse.Failure(ErrorCodes.TryAgainLater,
                $"the bridge of network \"{request.Network}\" is full (the kernel allows 1024 ports per bridge): try again later, when pods have left", e.Message);
        }
        catch (NetlinkException e)
        {
            NetlinkMetrics.Failed(e);
            return DaemonResponse.Failure(ErrorCodes.KernelError, e.Message);
        }
    }

    /// <summary>Takes back an ADD whose answer could not be delivered: the runtime believes it failed.</summary>
    public async Task UndoAddAsync(DaemonRequest request)
    {
        // On a claimed pooled namespace the ADD only recorded the runtime's key; the claim itself is the
        // platform's and must survive.
        if (settings.Networks.ContainsKey(request.Network) && Pools.ByCniKey(IdOf(request, out _)) is var (pool, entry))
        {
            pool.Detach(entry, IdOf(request, out _));
            return;
        }
        var response = await DelAsync(request, CancellationToken.None);
        if (response.Code != 0)
            log.LogWarning("{Id}: undoing an undelivered ADD failed: {Message}", IdOf(request, out _), response.Message);
    }

    private async Task<DaemonResponse> AddAsync(DaemonRequest request, CancellationToken cancel)
    {
        var id = IdOf(request, out var network);
        string netnsPath = Require(request.Netns, "CNI_NETNS");
        long started = Stopwatch.GetTimestamp();
        using var held = await _locks.AcquireAsync(id, cancel);

        string hostName = HostVethName.For(id);
        if (ipam.Find(id) is { } existing)
        {
            if (existing.Committed && await OnNodeAsync(() => node.GetLink(hostName), cancel) is not null)
                throw new AttachmentFailure(ErrorCodes.AlreadyExists,
                    $"{id} is already attached with {existing.Address}; DEL it before adding it again");
            log.LogInformation("{Id}: releasing stale {Address} (its interface is gone)", id, existing.Address);
            ipam.Release(existing);
        }

        if (Pools.ByCniKey(id) is not null)
            throw new AttachmentFailure(ErrorCodes.AlreadyExists, $"{id} is already attached to a pooled namespace; DEL it before adding it again");

        using var pod = OpenNamespace(netnsPath);
        // A claimed pooled namespace is already wired: answer what it has, without kernel work.
        if (Pools.TryAttach(network.Name, id, pod.Inode, netnsPath) is { } pooled)
        {
            log.LogInformation("{Id}: ADD on pooled namespace {Netns} ({Ms:F2} ms)", id, netnsPath, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return DaemonResponse.Success(pooled);
        }
        // An endpoint pool entry has its address reserved and journaled already; without one, the cold path.
        var entry = _endpoints.Take(network.Name);
        var allocation = entry ?? ipam.Reserve(id, netnsPath) ?? throw new AttachmentFailure(ErrorCodes.AddressesExhausted,
            $"network \"{network.Name}\" has no free address left in {network.Range.First}-{network.Range.Last}");
        WiredPod? wired = null;
        try
        {
            var bridge = _bridges[network.Name];
            wired = await WireAsync(bridge, pod, network, hostName, id.IfName, allocation.Address, cancel);
            if (entry is not null)
                allocation = ipam.Rebind(entry, id, netnsPath);
            else
                await ipam.CommitAsync(allocation);
            log.LogInformation("{Id}: ADD {Address} on {Host} in {Netns}{Pooled} ({Ms:F2} ms)", id, allocation.Address, hostName, netnsPath,
                entry is null ? "" : " (endpoint pool)", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return DaemonResponse.Success(ResultBuilder.For(network, bridge, wired, netnsPath, allocation.Address));
        }
        catch (Exception e)
        {
            if (wired is not null)
                PodInterface.Unwire(node, hostName);
            if (entry is not null && allocation == entry)
                _endpoints.Return(entry);
            else
                ipam.Release(allocation);
            log.LogWarning("{Id}: ADD failed, address {Address} released: {Error}", id, allocation.Address, e.Message);
            throw;
        }
    }

    /// <summary>
    /// ADD's kernel work: the pair is created through the coalescer (concurrent ADDs share one sendmsg),
    /// then the pod side is configured under a kernel slot.
    /// </summary>
    private async Task<WiredPod> WireAsync(Link bridge, NetworkNamespace pod, NetworkDefinition network, string hostName, string ifName,
        System.Net.IPAddress address, CancellationToken cancel)
    {
        var spec = PodInterface.Spec(bridge, pod, network, hostName, ifName);
        try
        {
            await Veths.CreateAsync(spec);
        }
        catch (NetlinkException e) when (e.IsExists)
        {
            var exists = PodInterface.Exists(node, pod, spec, e);
            throw new AttachmentFailure(ErrorCodes.AlreadyExists, exists.Message, e.Message);
        }
        return await OnNodeAsync(() => PodInterface.ConfigurePod(node, pod, network, spec, address), cancel);
    }

    private async Task<DaemonResponse> DelAsync(DaemonRequest request, CancellationToken cancel)
    {
        if (!settings.Networks.ContainsKey(request.Network))
        {
            // Nothing of this network can be ours; failing would leave the pod stuck terminating.
            log.LogWarning("DEL for unknown network \"{Network}\" ignored", request.Network);
            return DaemonResponse.Success();
        }
        var id = IdOf(request, out _);
        long started = Stopwatch.GetTimestamp();
        using var held = await _locks.AcquireAsync(id, cancel);
        if (Pools.ByCniKey(id) is var (pool, entry))
        {
            // The runtime is done with the namespace it was given: destroy it, the filler replaces it.
            await pool.ReleaseAsync(entry, cancel);
            log.LogInformation("{Id}: DEL released pooled namespace {Netns}", id, entry.Path);
            return DaemonResponse.Success();
        }
        string hostName = HostVethName.For(id);
        var allocation = ipam.Find(id);
        // A runtime may send DEL without CNI_NETNS; the ADD's namespace is where the pod end was put.
        string? netns = string.IsNullOrEmpty(request.Netns) ? allocation?.Netns : request.Netns;
        bool removed = await OnNodeAsync(() => Retire(hostName, netns, id.IfName), cancel);
        if (allocation is not null)
            ipam.Release(allocation);
        log.LogInformation("{Id}: DEL {Address}{Removed} ({Ms:F2} ms)", id, allocation?.Address.ToString() ?? "(no address)",
            removed ? $", retired {hostName}" : "", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return DaemonResponse.Success();
    }

    private async Task<DaemonResponse> CheckAsync(DaemonRequest request, CancellationToken cancel)
    {
        var id = IdOf(request, out var network);
        string netnsPath = Require(request.Netns, "CNI_NETNS");
        // A CNI key on a pooled namespace is checked as the pool entry it stands for.
        if (Pools.ByCniKey(id) is var (_, pooled))
            id = pooled.Id;
        using var held = await _locks.AcquireAsync(id, cancel);
        var allocation = ipam.Find(id) is { Committed: true } found ? found
            : throw new AttachmentFailure(ErrorCodes.CheckFailed, $"{id} holds no address");
        string expected = NodeBridge.PodAddress(network, allocation.Address).ToString();
        foreach (var address in request.ExpectedAddresses ?? [])
        {
            if (address != expected)
                throw new AttachmentFailure(ErrorCodes.CheckFailed, $"{id} holds {expected}, not {address}");
        }
        using var pod = OpenNamespace(netnsPath);
        var problems = await OnNodeAsync(() => PodInterface.Inspect(node, _bridges[network.Name], pod, network,
            HostVethName.For(id), id.IfName, allocation.Address), cancel);
        if (problems.Count > 0)
            throw new AttachmentFailure(ErrorCodes.CheckFailed, $"{id}: {string.Join("; ", problems)}");
        return DaemonResponse.Success();
    }

    private DaemonResponse Status(DaemonRequest request)
    {
        var network = NetworkOf(request);
        string? problem = NodeBridge.Problem(node, network);
        if (problem is not null)
            return DaemonResponse.Failure(ErrorCodes.NotAvailable, $"network \"{network.Name}\": {problem}");
        var (capacity, inUse) = ipam.Usage(network.Name);
        if (inUse >= capacity)
            return DaemonResponse.Failure(ErrorCodes.NotAvailable, $"network \"{network.Name}\": all {capacity} addresses are in use");
        return DaemonResponse.Success();
    }

    private DaemonResponse List(DaemonRequest request) => new()
    {
        Allocations = ipam.List(string.IsNullOrEmpty(request.Network) ? null : request.Network)
            .Select(a => new AllocationInfo
            {
                Network = a.Id.Network,
                ContainerId = a.Id.ContainerId,
                IfName = a.Id.IfName,
                Address = a.Address.ToString(),
                Netns = a.Netns,
                HostInterface = HostVethName.For(a.Id),
                Committed = a.Committed,
            })
            .OrderBy(a => a.Network, StringComparer.Ordinal).ThenBy(a => a.ContainerId, StringComparer.Ordinal)
            .ToList(),
    };

    private async Task<DaemonResponse> GcAsync(DaemonRequest request, CancellationToken cancel)
    {
        var network = NetworkOf(request);
        var valid = (request.ValidAttachments ?? []).Select(a => (a.ContainerId, a.IfName)).ToHashSet();
        var started = DateTimeOffset.UtcNow;
        int released = 0;
        foreach (var allocation in ipam.List(network.Name))
        {
            // An ADD that started after the runtime listed its attachments is not garbage.
            // Pool entries are particled's own, not the runtime's.
            if (valid.Contains((allocation.Id.ContainerId, allocation.Id.IfName)) || allocation.CreatedAt >= started || Pools.Owns(allocation.Id))
                continue;
            using var held = await _locks.AcquireAsync(allocation.Id, cancel);
            if (ipam.Find(allocation.Id) != allocation)
                continue;
            await OnNodeAsync(() => PodInterface.Unwire(node, HostVethName.For(allocation.Id)), cancel);
            ipam.Release(allocation);
            released++;
            log.LogInformation("{Id}: GC released {Address}", allocation.Id, allocation.Address);
        }
        await OnNodeAsync(() => { RemoveOrphans(node.DumpLinks()); return 0; }, cancel);
        log.LogInformation("network {Network}: GC kept {Kept}, released {Released}", network.Name, valid.Count, released);
        return DaemonResponse.Success();
    }

    /// <summary>
    /// DEL's kernel work: the pair is retired (detached from the bridge, renamed, left to the background
    /// deleter) rather than deleted, which would cost ~20 ms of synchronous kernel work. Once the host end
    /// is off the bridge the pod can no longer use its address, so the address may be released.
    /// </summary>
    private bool Retire(string hostName, string? netnsPath, string ifName)
    {
        NetworkNamespace? pod = null;
        if (!string.IsNullOrEmpty(netnsPath))
        {
            try
            {
                pod = NetworkNamespace.Open(netnsPath);
                if (pod.Inode == _nodeNamespaceInode)
                {
                    pod.Dispose();
                    pod = null;
                }
            }
            catch (Exception e) when (e is LinuxException or NotANetworkNamespaceException)
            {
                // Gone already (the runtime removed it first): the kernel took the pair with it.
            }
        }
        using (pod)
            return _graveyard.Retire(hostName, pod, ifName);
    }

    /// <summary>The endpoint pools' levels; in use counts the network's attachments, pooled or not.</summary>
    public IEnumerable<PoolLevel> EndpointPoolLevels() =>
        settings.Networks.Keys
            .Select(name => (name, status: _endpoints.Status(name)))
            .Where(n => n.status is not null)
            .Select(n => new PoolLevel(n.name, PoolKinds.Endpoint, n.status!.Free, AttachmentsInUse(n.name), n.status.Target));

    private int AttachmentsInUse(string network) =>
        ipam.List(network).Count(a => !EndpointPool.IsEntry(a.Id) && !Pools.Owns(a.Id));

    private DaemonResponse NodeStatus()
    {
        var status = Pools.Status();
        foreach (var network in status.Networks ?? [])
        {
            network.EndpointPool = _endpoints.Status(network.Name);
            network.AttachmentsInUse = AttachmentsInUse(network.Name);
            network.RetiredPending = _graveyard.Pending;
            (network.VethBatches, network.VethCreations) = Veths.Counts;
        }
        return status;
    }

    /// <summary>
    /// A bridge that was deleted (or lost its gateway, or went down) is put back, and the host veths of
    /// attachments it carried, which the kernel detached when it deleted the bridge, are enslaved to the new
    /// one, before <see cref="ReleaseVanished"/> would take them for attachments that are gone.
    /// Returns the networks whose bridge could not be repaired.
    /// </summary>
    private HashSet<string> RepairBridges()
    {
        var broken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var network in settings.Networks.Values)
        {
            if (NodeBridge.Problem(node, network) is not { } problem)
            {
                // Healthy, but maybe re-created by someone else since it was cached: pods must join the live one.
                if (node.GetLink(network.Bridge) is { } live && live.Index != _bridges[network.Name].Index)
                    _bridges[network.Name] = live;
                continue;
            }
            try
            {
                var bridge = NodeBridge.Ensure(node, network);
                _bridges[network.Name] = bridge;
                int reattached = 0;
                foreach (var allocation in ipam.List(network.Name).Where(a => a.Committed))
                {
                    if (node.GetLink(HostVethName.For(allocation.Id)) is { MasterIndex: null } host)
                    {
                        node.SetMaster(host.Index, bridge.Index);
                        node.SetUp(host.Index);
                        reattached++;
                    }
                }
                log.LogWarning("network {Network}: {Problem}; bridge repaired, {Count} host interface(s) re-attached", network.Name, problem, reattached);
                DaemonEvents.Record(EventKinds.Bridge, network.Name, network.Bridge, $"{problem}; repaired, {reattached} host interface(s) re-attached", error: true);
            }
            catch (Exception e) when (e is NetlinkException or ConfigException or InvalidOperationException)
            {
                // One network's bridge must not stop the rest of housekeeping; /readyz keeps saying why.
                broken.Add(network.Name);
                if (e is NetlinkException netlink)
                    NetlinkMetrics.Failed(netlink);
                log.LogWarning("network {Network}: {Problem}; repairing it failed, will retry: {Error}", network.Name, problem, e.Message);
                DaemonEvents.Record(EventKinds.Bridge, network.Name, network.Bridge, $"{problem}; repair failed: {e.Message}", error: true);
            }
        }
        return broken;
    }

    /// <summary>
    /// Releases committed addresses whose host veth is gone; re-attaches one that is off its bridge. Networks
    /// in <paramref name="skip"/> have no working bridge to re-attach to: they wait for its repair.
    /// </summary>
    private void ReleaseVanished(out IReadOnlyList<Link> links, IReadOnlySet<string>? skip = null)
    {
        links = node.DumpLinks();
        var present = links.ToDictionary(l => l.Name, StringComparer.Ordinal);
        // Pool entries are left to their pool: releasing the address of an entry the pool still lists could
        // hand it out twice. (Before the pools exist, at start, they are treated like any attachment.)
        // The host veth is the proof that the pod's namespace lives: the kernel removes a veth pair when
        // the namespace of either end dies, whatever path the runtime gave (/proc/PID/ns/net dies with the
        // task while a bind mount can keep the namespace). Endpoint pool entries own no device by design.
        foreach (var allocation in ipam.List().Where(a => a.Committed && _pools?.Owns(a.Id) != true && !EndpointPool.IsEntry(a.Id) && skip?.Contains(a.Id.Network) != true))
        {
            var bridge = _bridges[allocation.Id.Network];
            if (present.TryGetValue(HostVethName.For(allocation.Id), out var host) && host.MasterIndex == bridge.Index)
                continue;
            using var held = _locks.AcquireAsync(allocation.Id).GetAwaiter().GetResult();
            if (ipam.Find(allocation.Id) != allocation)
                continue;
            if (node.GetLink(HostVethName.For(allocation.Id)) is { } again)
            {
                if (again.MasterIndex == bridge.Index)
                    continue;
                // The veth lives as long as the pod's namespace: off the bridge means detached (the bridge was
                // deleted and re-created), not gone. Put it back instead of taking a live pod's address.
                node.SetMaster(again.Index, bridge.Index);
                node.SetUp(again.Index);
                log.LogWarning("{Id}: host interface {Name} was off bridge {Bridge}; re-attached", allocation.Id, again.Name, bridge.Name);
                DaemonEvents.Record(EventKinds.Bridge, allocation.Id.Network, allocation.Id.ToString(), $"host interface {again.Name} re-attached to {bridge.Name}", error: true);
                continue;
            }
            ipam.Release(allocation);
            log.LogInformation("{Id}: released {Address}: its interface is gone (namespace removed without DEL)",
                allocation.Id, allocation.Address);
        }
    }

    /// <summary>Removes host veths on our bridges that no allocation accounts for: ADDs cut short by a crash.</summary>
    private void RemoveOrphans(IReadOnlyList<Link> links)
    {
        var bridgeIndexes = _bridges.Values.Select(b => b.Index).ToHashSet();
        var expected = ipam.List().Select(a => HostVethName.For(a.Id)).ToHashSet(StringComparer.Ordinal);
        foreach (var link in links)
        {
            if (link.MasterIndex is { } master && bridgeIndexes.Contains(master) &&
                HostVethName.IsOurs(link.Name) && !expected.Contains(link.Name))
            {
                PodInterface.Unwire(node, link.Name);
                log.LogInformation("removed orphaned interface {Name} (an ADD that never answered)", link.Name);
            }
        }
    }

    private void CarryOutPendingDeletes()
    {
        var errors = new List<string>();
        foreach (var note in PendingDelete.ReadAll(settings.StateDir, errors))
        {
            using (_locks.AcquireAsync(note.Id).GetAwaiter().GetResult())
            {
                // A note only covers what existed when it was written: an ADD of the same key that came
                // after it (nerdctl sends DEL before every ADD) keeps its address.
                if (ipam.Find(note.Id) is { } allocation && allocation.CreatedAt < note.WrittenAt)
                {
                    PodInterface.Unwire(node, HostVethName.For(note.Id));
                    ipam.Release(allocation);
                    log.LogInformation("{Id}: released {Address} for a DEL noted while the daemon was away", note.Id, allocation.Address);
                }
                note.Remove();
            }
        }
        foreach (var error in errors)
            log.LogWarning("pending DEL note dropped: {Error}", error);
    }

    private async Task<T> OnNodeAsync<T>(Func<T> work, CancellationToken cancel)
    {
        await _kernelSlots.WaitAsync(cancel);
        try
        {
            return work();
        }
        finally
        {
            _kernelSlots.Release();
        }
    }

    private NetworkNamespace OpenNamespace(string path)
    {
        try
        {
            var ns = NetworkNamespace.Open(path);
            // The node's own namespace is never a pod's: wiring it would put a pod address on the node.
            if (ns.Inode == _nodeNamespaceInode)
            {
                ns.Dispose();
                throw new AttachmentFailure(ErrorCodes.InvalidEnvironment, $"CNI_NETNS {path} is the node's own network namespace");
            }
            return ns;
        }
        catch (NotANetworkNamespaceException e)
        {
            throw new AttachmentFailure(ErrorCodes.InvalidEnvironment, $"CNI_NETNS {path} is not a network namespace", e.Message);
        }
        catch (LinuxException e) when (e.ErrnoName == "ENOENT")
        {
            throw new AttachmentFailure(ErrorCodes.UnknownContainer, $"CNI_NETNS {path} does not exist", e.Message);
        }
        catch (LinuxException e)
        {
            throw new AttachmentFailure(ErrorCodes.IoFailure, $"cannot open CNI_NETNS {path}", e.Message);
        }
    }

    private static ulong NodeNamespaceInode()
    {
        using var node = NetworkNamespace.Current();
        return node.Inode;
    }

    private AttachmentId IdOf(DaemonRequest request, out NetworkDefinition network)
    {
        network = NetworkOf(request);
        return new AttachmentId(network.Name, Require(request.ContainerId, "CNI_CONTAINERID"), Require(request.IfName, "CNI_IFNAME"));
    }

    private NetworkDefinition NetworkOf(DaemonRequest request) =>
        settings.Networks.GetValueOrDefault(request.Network) ?? throw new AttachmentFailure(ErrorCodes.InvalidNetworkConfig,
            $"network \"{request.Network}\" is not configured in particled (configured: {string.Join(", ", settings.Networks.Keys)})");

    private static string Require(string? value, string variable) =>
        string.IsNullOrEmpty(value) ? throw new AttachmentFailure(ErrorCodes.InvalidEnvironment, $"{variable} is required") : value;
}
