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
/// Serves the CNI verbs for every network of the node: address allocation plus the kernel wiring through
/// the data plane, with the invariant that an address is held exactly while its attachment's host end
/// exists (after ADD answered) and that every failure path gives back what it took. Recovery and
/// housekeeping are <see cref="Housekeeping"/>'s, the status views <see cref="AttachmentStatus"/>'s.
/// </summary>
public sealed class AttachmentService
{
    private readonly DaemonSettings _settings;
    private readonly IpamStore _ipam;
    private readonly ILogger _log;
    private readonly RouteNetlink _node;
    private readonly KeyedLocks _locks = new();
    // More concurrent rtnetlink work only queues on the kernel's RTNL mutex; bounding it keeps latency
    // predictable under a burst and leaves room for the daemon's other work.
    private readonly SemaphoreSlim _kernelSlots;
    private readonly ulong _nodeNamespaceInode = NodeNamespaceInode();
    private readonly Graveyard _graveyard;
    private readonly IPodDataPlane _dataPlane;
    private readonly EndpointPools _endpoints;
    private readonly Housekeeping _housekeeping;
    private NamespacePools? _pools;

    public AttachmentService(DaemonSettings settings, IpamStore ipam, RouteNetlink node, ILogger log)
    {
        _settings = settings;
        _ipam = ipam;
        _log = log;
        _node = node;
        _kernelSlots = new SemaphoreSlim(settings.KernelConcurrency, settings.KernelConcurrency);
        _graveyard = new Graveyard(node, log);
        _dataPlane = new RoutedPods(node, _kernelSlots, _graveyard, log);
        _endpoints = new EndpointPools(settings, ipam, log);
        _housekeeping = new Housekeeping(settings, ipam, node, _dataPlane, _locks, log);
        Status = new AttachmentStatus(settings, ipam, _endpoints, _graveyard, _dataPlane, () => Pools);
    }

    /// <summary>The pre-wired namespace pools; they exist once <see cref="Recover"/> has run.</summary>
    public NamespacePools Pools => _pools ?? throw new InvalidOperationException("Recover() has not run");

    public AttachmentStatus Status { get; }

    /// <summary>
    /// Background work until <paramref name="stop"/>: the namespace pools' fillers, the endpoint pools'
    /// fillers, and the deletion of veth pairs DEL retired.
    /// </summary>
    public Task RunBackgroundAsync(CancellationToken stop) => Task.WhenAll(
        Pools.FillAsync(stop),
        _endpoints.FillAsync(stop),
        Task.Run(() => _graveyard.RunAsync(_kernelSlots, stop), CancellationToken.None));

    /// <summary>Brings the node to a consistent state before any request is served (<see cref="Housekeeping.Recover"/>).</summary>
    public void Recover()
    {
        _housekeeping.Recover(_endpoints, _graveyard);
        // After the attachments' recovery, so a pool entry whose veth vanished has already lost its address.
        _pools = new NamespacePools(_settings, _ipam, _node, _dataPlane, _kernelSlots, _log);
        _pools.Recover();
        _housekeeping.Reroute(_pools);
        foreach (var network in _settings.Networks.Values)
        {
            var (capacity, inUse) = _ipam.Usage(network.Name);
            _log.LogInformation("network {Network}: {InUse} of {Capacity} addresses in use after recovery", network.Name, inUse, capacity);
        }
    }

    /// <summary>Periodic housekeeping (<see cref="Housekeeping.Sweep"/>).</summary>
    public void Sweep() => _housekeeping.Sweep(Pools);

    public async Task<DaemonResponse> HandleAsync(DaemonRequest request, CancellationToken cancel)
    {
        try
        {
            return request.Verb switch
            {
                Verbs.Add => await AddAsync(request, cancel),
                Verbs.Del => await DelAsync(request, cancel),
                Verbs.Check => await CheckAsync(request, cancel),
                Verbs.Status => NetworkStatus(request),
                Verbs.Gc => await GcAsync(request, cancel),
                Verbs.List => Status.List(request.Network),
                Verbs.Claim => Pools.Claim(request),
                Verbs.Release => await Pools.ReleaseAsync(request, cancel),
                Verbs.NodeStatus => Status.Node(),
                Verbs.Events => DaemonEvents.Answer(request),
                _ => DaemonResponse.Failure(ErrorCodes.InvalidEnvironment, $"unknown verb \"{request.Verb}\""),
            };
        }
        catch (AttachmentFailure failure)
        {
            return failure.ToResponse();
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
        if (_settings.Networks.ContainsKey(request.Network) && Pools.ByCniKey(IdOf(request, out _)) is var (pool, entry))
        {
            pool.Detach(entry, IdOf(request, out _));
            return;
        }
        var response = await DelAsync(request, CancellationToken.None);
        if (response.Code != 0)
            _log.LogWarning("{Id}: undoing an undelivered ADD failed: {Message}", IdOf(request, out _), response.Message);
    }

    private async Task<DaemonResponse> AddAsync(DaemonRequest request, CancellationToken cancel)
    {
        var id = IdOf(request, out var network);
        string netnsPath = Require(request.Netns, "CNI_NETNS");
        long started = Stopwatch.GetTimestamp();
        using var held = await _locks.AcquireAsync(id, cancel);

        string hostName = HostVethName.For(id);
        if (_ipam.Find(id) is { } existing)
        {
            if (existing.Committed && await OnNodeAsync(() => _dataPlane.IsAlive(_node.GetLink(hostName)), cancel))
                throw new AttachmentFailure(ErrorCodes.AlreadyExists,
                    $"{id} is already attached with {existing.Address}; DEL it before adding it again");
            _log.LogInformation("{Id}: releasing stale {Address} (its interface is gone)", id, existing.Address);
            _ipam.Release(existing);
        }

        if (Pools.ByCniKey(id) is not null)
            throw new AttachmentFailure(ErrorCodes.AlreadyExists, $"{id} is already attached to a pooled namespace; DEL it before adding it again");

        using var pod = OpenNamespace(netnsPath);
        // A claimed pooled namespace is already wired: answer what it has, without kernel work.
        if (Pools.TryAttach(network.Name, id, pod.Inode, netnsPath) is { } pooled)
        {
            _log.LogInformation("{Id}: ADD on pooled namespace {Netns} ({Ms:F2} ms)", id, netnsPath, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return DaemonResponse.Success(pooled);
        }
        // An endpoint pool entry has its address reserved and journaled already; without one, the cold path.
        var entry = _endpoints.Take(network.Name);
        var allocation = entry ?? _ipam.Reserve(id, netnsPath) ?? throw new AttachmentFailure(ErrorCodes.AddressesExhausted,
            $"network \"{network.Name}\" has no free address left in {network.Range.First}-{network.Range.Last}");
        WiredPod? wired = null;
        try
        {
            try
            {
                wired = await _dataPlane.AttachAsync(new PodEndpoint(network, pod, hostName, id.IfName, allocation.Address), cancel);
            }
            catch (InterfaceExistsException e)
            {
                throw new AttachmentFailure(ErrorCodes.AlreadyExists, e.Message, e.InnerException?.Message);
            }
            if (entry is not null)
                allocation = _ipam.Rebind(entry, id, netnsPath);
            else
                await _ipam.CommitAsync(allocation);
            _log.LogInformation("{Id}: ADD {Address} on {Host} in {Netns}{Pooled} ({Ms:F2} ms)", id, allocation.Address, hostName, netnsPath,
                entry is null ? "" : " (endpoint pool)", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return DaemonResponse.Success(ResultBuilder.For(network, _dataPlane, wired, netnsPath, allocation.Address));
        }
        catch (Exception e)
        {
            if (wired is not null)
                _dataPlane.Remove(hostName);
            if (entry is not null && allocation == entry)
                _endpoints.Return(entry);
            else
                _ipam.Release(allocation);
            _log.LogWarning("{Id}: ADD failed, address {Address} released: {Error}", id, allocation.Address, e.Message);
            throw;
        }
    }

    private async Task<DaemonResponse> DelAsync(DaemonRequest request, CancellationToken cancel)
    {
        if (!_settings.Networks.ContainsKey(request.Network))
        {
            // Nothing of this network can be ours; failing would leave the pod stuck terminating.
            _log.LogWarning("DEL for unknown network \"{Network}\" ignored", request.Network);
            return DaemonResponse.Success();
        }
        var id = IdOf(request, out _);
        long started = Stopwatch.GetTimestamp();
        using var held = await _locks.AcquireAsync(id, cancel);
        if (Pools.ByCniKey(id) is var (pool, entry))
        {
            // The runtime is done with the namespace it was given: destroy it, the filler replaces it.
            await pool.ReleaseAsync(entry, cancel);
            _log.LogInformation("{Id}: DEL released pooled namespace {Netns}", id, entry.Path);
            return DaemonResponse.Success();
        }
        string hostName = HostVethName.For(id);
        var allocation = _ipam.Find(id);
        // A runtime may send DEL without CNI_NETNS; the ADD's namespace is where the pod end was put.
        string? netns = string.IsNullOrEmpty(request.Netns) ? allocation?.Netns : request.Netns;
        bool removed = await OnNodeAsync(() => Retire(hostName, netns, id.IfName), cancel);
        if (allocation is not null)
            _ipam.Release(allocation);
        _log.LogInformation("{Id}: DEL {Address}{Removed} ({Ms:F2} ms)", id, allocation?.Address.ToString() ?? "(no address)",
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
        var allocation = _ipam.Find(id) is { Committed: true } found ? found
            : throw new AttachmentFailure(ErrorCodes.CheckFailed, $"{id} holds no address");
        foreach (var address in request.ExpectedAddresses ?? [])
        {
            // The address, not its prefix: pods of a bridge release carry the subnet's.
            if (!InterfaceAddress.TryParse(address, out var given) || !given.Address.Equals(allocation.Address))
                throw new AttachmentFailure(ErrorCodes.CheckFailed, $"{id} holds {_dataPlane.PodAddress(allocation.Address)}, not {address}");
        }
        using var pod = OpenNamespace(netnsPath);
        var problems = await OnNodeAsync(() => _dataPlane.Inspect(new PodEndpoint(network, pod, HostVethName.For(id), id.IfName, allocation.Address)), cancel);
        if (problems.Count > 0)
            throw new AttachmentFailure(ErrorCodes.CheckFailed, $"{id}: {string.Join("; ", problems)}");
        return DaemonResponse.Success();
    }

    private DaemonResponse NetworkStatus(DaemonRequest request)
    {
        var network = NetworkOf(request);
        string? problem = _dataPlane.Problem(network);
        if (problem is not null)
            return DaemonResponse.Failure(ErrorCodes.NotAvailable, $"network \"{network.Name}\": {problem}");
        var (capacity, inUse) = _ipam.Usage(network.Name);
        if (inUse >= capacity)
            return DaemonResponse.Failure(ErrorCodes.NotAvailable, $"network \"{network.Name}\": all {capacity} addresses are in use");
        return DaemonResponse.Success();
    }

    private async Task<DaemonResponse> GcAsync(DaemonRequest request, CancellationToken cancel)
    {
        var network = NetworkOf(request);
        var valid = (request.ValidAttachments ?? []).Select(a => (a.ContainerId, a.IfName)).ToHashSet();
        var started = DateTimeOffset.UtcNow;
        int released = 0;
        foreach (var allocation in _ipam.List(network.Name))
        {
            // An ADD that started after the runtime listed its attachments is not garbage.
            // Pool entries are particled's own, not the runtime's.
            if (valid.Contains((allocation.Id.ContainerId, allocation.Id.IfName)) || allocation.CreatedAt >= started || Pools.Owns(allocation.Id))
                continue;
            using var held = await _locks.AcquireAsync(allocation.Id, cancel);
            if (_ipam.Find(allocation.Id) != allocation)
                continue;
            await OnNodeAsync(() => _dataPlane.Remove(HostVethName.For(allocation.Id)), cancel);
            _ipam.Release(allocation);
            released++;
            _log.LogInformation("{Id}: GC released {Address}", allocation.Id, allocation.Address);
        }
        await OnNodeAsync(() => { _housekeeping.RemoveOrphans(_node.DumpLinks()); return 0; }, cancel);
        _log.LogInformation("network {Network}: GC kept {Kept}, released {Released}", network.Name, valid.Count, released);
        return DaemonResponse.Success();
    }

    /// <summary>
    /// DEL's kernel work: the pair is retired (cut off, renamed, left to the background deleter) rather than
    /// deleted, which would cost ~20 ms of synchronous kernel work. Once the host end is down the pod can no
    /// longer use its address, so the address may be released.
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
            return _dataPlane.Detach(hostName, pod, ifName);
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
        _settings.Networks.GetValueOrDefault(request.Network) ?? throw new AttachmentFailure(ErrorCodes.InvalidNetworkConfig,
            $"network \"{request.Network}\" is not configured in particled (configured: {string.Join(", ", _settings.Networks.Keys)})");

    private static string Require(string? value, string variable) =>
        string.IsNullOrEmpty(value) ? throw new AttachmentFailure(ErrorCodes.InvalidEnvironment, $"{variable} is required") : value;
}
