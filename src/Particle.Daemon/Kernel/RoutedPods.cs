using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Configuration;
using Particle.Linux;
using Particle.Netlink;
using Particle.Netlink.Wire;

namespace Particle.Daemon.Kernel;

/// <summary>
/// Routed point-to-point pods, no bridge (as Calico attaches them): the pod's interface carries its
/// address as a /32, a default route through the gateway on-link and a permanent neighbour entry for the
/// gateway with the host end's MAC; the node holds a /32 route to the pod through the host end and a
/// permanent neighbour entry for the pod. So no port limit, no ARP at all between pod and node (permanent
/// entries are outside the kernel's gc_thresh limits, which count dynamic entries of every namespace
/// together), and every packet is routed by the node at layer 3, where conntrack, NAT and the firewall
/// see both directions. The host end answers ARP by proxy for pods that still resolve on-link peers
/// (pods of a bridge release, see <see cref="BridgeUpgrade"/>).
/// </summary>
public sealed class RoutedPods(RouteNetlink node, SemaphoreSlim kernelSlots, Graveyard graveyard, ILogger log) : IPodDataPlane
{
    private readonly VethCoalescer _veths = new(node, kernelSlots, log);

    public (long Batches, long Creations) Counts => _veths.Counts;

    public void EnsureNetwork(NetworkDefinition network)
    {
        GatewayDevice.Ensure(node, network, log);
        // Pods reach anything beyond their gateway only through the node's routing (net.ipv4.ip_forward is
        // per network namespace; every device's forwarding follows it). See docs/overlay.md for each sysctl.
        if (Sysctl.Ensure("net.ipv4.ip_forward", "1"))
            log.LogInformation("net.ipv4.ip_forward set to 1: pods' traffic is routed by the node");
    }

    public string? Problem(NetworkDefinition network) => GatewayDevice.Problem(node, network);

    public InterfaceAddress PodAddress(IPAddress address) => new(address, 32);

    public async Task<WiredPod> AttachAsync(PodEndpoint pod, CancellationToken cancel)
    {
        var spec = Spec(pod);
        try
        {
            await _veths.CreateAsync(spec);
        }
        catch (NetlinkException e) when (e.IsExists)
        {
            throw Exists(pod, e);
        }
        await kernelSlots.WaitAsync(cancel);
        try
        {
            return Configure(pod, spec);
        }
        finally
        {
            kernelSlots.Release();
        }
    }

    public WiredPod Attach(PodEndpoint pod)
    {
        var spec = Spec(pod);
        try
        {
            node.CreateVeth(spec);
        }
        catch (NetlinkException e) when (e.IsExists)
        {
            throw Exists(pod, e);
        }
        return Configure(pod, spec);
    }

    public bool Detach(string hostName, NetworkNamespace? pod, string ifName) => graveyard.Retire(hostName, pod, ifName);

    public bool Remove(string hostName)
    {
        try
        {
            return node.DeleteLink(hostName);
        }
        catch (NetlinkException e) when (e.IsNotFound)
        {
            return false;
        }
    }

    public bool IsAlive(Link? host) => host is { Kind: "veth" } && host.Group != Graveyard.Group;

    public bool IsPodDevice(Link link) => link.Kind == "veth" && link.Group == PodKernel.Group && HostVethName.IsOurs(link.Name);

    public int Reconcile(NetworkDefinition network, IReadOnlyList<LivePod> pods, IReadOnlyList<Link> nodeLinks)
    {
        var links = nodeLinks.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var routes = node.DumpRoutes(AddressFamily.InterNetwork, Rta.RT_TABLE_MAIN)
            .Where(r => r.Protocol == PodKernel.RouteProtocol && r.Destination is { PrefixLength: 32 } d && network.Subnet.Contains(d.Address))
            .Select(r => (r.Destination!.Value.Address, r.OutIndex))
            .ToHashSet();
        var neighbours = node.DumpNeighbours()
            .Where(n => (n.State & Nda.NUD_PERMANENT) != 0)
            .Select(n => (n.Index, n.Address))
            .ToHashSet();
        // Add-only: a pod's route leaves with its host end (DEL sets it down, the kernel flushes it), and a host
        // end no allocation accounts for is an orphan that recovery removes. Deleting "stale" routes here could
        // race an ADD whose address is still an endpoint pool entry's.
        var repairs = node.Batch();
        foreach (var pod in pods)
        {
            if (!links.TryGetValue(pod.HostName, out var host) || !IsAlive(host))
                continue;
            if (!host.IsUp)
                repairs.SetUp(host.Index);
            bool routed = routes.Contains((pod.Address, host.Index));
            if (!routed)
                repairs.SetProxyArp(host.Index, true).AddRoute(HostRoute(network, host.Index, pod.Address), replace: true);
            if (!neighbours.Contains((host.Index, pod.Address)) || !routed)
            {
                // A pod that was not routed (attached by the bridge release, or its route lost) may hold
                // neighbour entries for MACs the host end no longer answers to: they go, so it asks again.
                // Otherwise its namespace is only visited when its MAC is not known already.
                var mac = pod.PodMac;
                if (!routed || mac is null)
                    mac = VisitPod(pod, host, forgetNeighbours: !routed) ?? mac;
                if (mac is not null)
                    repairs.SetNeighbour(new Neighbour { Index = host.Index, Address = pod.Address, Mac = mac });
            }
        }
        if (repairs.Count == 0)
            return 0;
        // Each entry on its own: a pod retired by a DEL since the dump must not fail the others' repair.
        var outcomes = repairs.CommitEach();
        int failed = outcomes.Count(o => o is not null);
        if (failed > 0)
            log.LogDebug("network {Network}: {Failed} of {Count} pod route repairs failed (pods that left meanwhile)", network.Name, failed, outcomes.Length);
        return outcomes.Length - failed;
    }

    public List<string> Inspect(PodEndpoint pod)
    {
        var problems = new List<string>();
        var host = node.GetLink(pod.HostName);
        if (host is null)
        {
            problems.Add($"host interface {pod.HostName} is missing");
        }
        else
        {
            if (!host.IsUp)
                problems.Add($"host interface {pod.HostName} is down");
            var destination = new InterfaceAddress(pod.Address, 32);
            if (!node.DumpRoutes(AddressFamily.InterNetwork, Rta.RT_TABLE_MAIN).Any(r => r.Destination == destination && r.OutIndex == host.Index))
                problems.Add($"route {destination} dev {pod.HostName} is missing");
        }

        using var inside = RouteNetlink.OpenIn(pod.Namespace);
        var link = inside.GetLink(pod.IfName);
        if (link is null)
        {
            problems.Add($"interface {pod.IfName} is missing in {pod.Namespace.Path}");
            return problems;
        }
        if (!link.IsUp)
            problems.Add($"interface {pod.IfName} is down");
        // Pods attached by a bridge release carry the subnet's prefix: the address is what counts.
        if (!inside.DumpAddresses(link.Index).Any(a => a.Address.Address.Equals(pod.Address)))
            problems.Add($"interface {pod.IfName} lacks address {PodAddress(pod.Address)}");
        bool hasDefault = inside.DumpRoutes(AddressFamily.InterNetwork).Any(r =>
            r.Destination is null && pod.Network.Gateway.Equals(r.Gateway) && r.OutIndex == link.Index);
        if (!hasDefault)
            problems.Add($"default route via {pod.Network.Gateway} dev {pod.IfName} is missing");
        return problems;
    }

    /// <summary>The pair ADD creates: peer born in the pod namespace, host end up with the gateway's MAC, in the pods' group.</summary>
    private static VethSpec Spec(PodEndpoint pod) => new()
    {
        Name = pod.HostName,
        PeerName = pod.IfName,
        Mtu = pod.Network.Mtu,
        Mac = GatewayDevice.MacOf(pod.Network),
        PeerMac = MacAddress.Random(),
        PeerNamespace = pod.Namespace,
        Up = true,
        Group = PodKernel.Group,
    };

    /// <summary>
    /// The second half of ADD, once the pair exists: the pod end up with its address, gateway neighbour and
    /// default route in one round trip through a socket inside the pod namespace, then the node's route
    /// and neighbour entry for the pod in one more. On failure the pair is deleted again.
    /// </summary>
    private WiredPod Configure(PodEndpoint pod, VethSpec spec)
    {
        var network = pod.Network;
        try
        {
            int hostIndex;
            using (var inside = RouteNetlink.OpenIn(pod.Namespace))
            {
                var link = inside.GetLink(spec.PeerName)
                    ?? throw new InvalidOperationException($"{spec.PeerName} is missing in {pod.Namespace.Path} right after it was created");
                // A veth's IFLA_LINK is its peer's index in the peer's namespace: the host end, no lookup needed.
                hostIndex = link.ParentIndex ?? throw new InvalidOperationException($"{spec.PeerName} in {pod.Namespace.Path} reports no peer");
                // The kernel cannot bring a veth peer up while creating it; the pod side is set up here.
                inside.Batch()
                    .SetUp(link.Index)
                    .AddAddress(link.Index, PodAddress(pod.Address))
                    .SetNeighbour(new Neighbour { Index = link.Index, Address = network.Gateway, Mac = spec.Mac })
                    .AddRoute(new Route { Gateway = network.Gateway, OutIndex = link.Index, OnLink = true })
                    .Commit();
            }
            node.Batch()
                .SetProxyArp(hostIndex, true)
                .AddRoute(HostRoute(network, hostIndex, pod.Address), replace: true)
                .SetNeighbour(new Neighbour { Index = hostIndex, Address = pod.Address, Mac = spec.PeerMac })
                .Commit();
        }
        catch
        {
            Remove(spec.Name);
            throw;
        }
        return new WiredPod(spec.Name, spec.Mac!.Value, spec.PeerName, spec.PeerMac!.Value, network.Mtu);
    }

    /// <summary>POD/32 dev HOST scope link src GATEWAY: the node's own packets to the pod leave from the gateway.</summary>
    private static Route HostRoute(NetworkDefinition network, int hostIndex, IPAddress address) => new()
    {
        Destination = new InterfaceAddress(address, 32),
        OutIndex = hostIndex,
        Scope = Rta.RT_SCOPE_LINK,
        Protocol = PodKernel.RouteProtocol,
        PreferredSource = network.Gateway,
    };

    /// <summary>
    /// The pod end's MAC, for a neighbour entry lost since ADD, read inside the pod's namespace (where, with
    /// <paramref name="forgetNeighbours"/>, its learned neighbour entries are deleted); null when the
    /// namespace cannot be read.
    /// </summary>
    private MacAddress? VisitPod(LivePod pod, Link host, bool forgetNeighbours)
    {
        if (string.IsNullOrEmpty(pod.Netns))
            return null;
        try
        {
            using var ns = NetworkNamespace.Open(pod.Netns);
            using var inside = RouteNetlink.OpenIn(ns);
            if (inside.GetLink(pod.IfName) is not { Kind: "veth" } link || link.ParentIndex != host.Index)
                return null;
            if (forgetNeighbours)
            {
                var forget = inside.Batch();
                foreach (var learned in inside.DumpNeighbours(link.Index).Where(n => (n.State & Nda.NUD_PERMANENT) == 0))
                    forget.DeleteNeighbour(learned);
                forget.CommitEach();
            }
            return link.Mac;
        }
        catch (Exception e) when (e is LinuxException or NotANetworkNamespaceException or NetlinkException)
        {
            log.LogDebug("{Host}: pod namespace {Netns} not readable: {Error}", pod.HostName, pod.Netns, e.Message);
            return null;
        }
    }

    private InterfaceExistsException Exists(PodEndpoint pod, NetlinkException e) =>
        new(node.GetLink(pod.HostName) is null
            ? $"interface {pod.IfName} already exists in {pod.Namespace.Path}"
            : $"host interface {pod.HostName} already exists on the node", e);
}

/// <summary>ADD found the pod's interface name, or the host end's name, already taken.</summary>
public sealed class InterfaceExistsException(string message, Exception inner) : Exception(message, inner);
