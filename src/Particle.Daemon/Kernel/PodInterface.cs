using System.Net;
using System.Net.Sockets;
using Particle.Daemon.Configuration;
using Particle.Linux;
using Particle.Netlink;

namespace Particle.Daemon.Kernel;

/// <summary>What ADD built: both ends of the pod's veth.</summary>
public sealed record WiredPod(string HostName, MacAddress HostMac, string PodIfName, MacAddress PodMac, int Mtu);

/// <summary>The kernel work of one attachment: a veth pair from the bridge into the pod's namespace.</summary>
public static class PodInterface
{
    /// <summary>
    /// Creates the veth with its peer directly in the pod namespace (no move between namespaces, which is
    /// the costly part of the usual recipe), the host end up and on the bridge in the same request; then
    /// brings the pod end up with its address and default route in one batched round trip.
    /// On any failure the pair is deleted again, so a failed ADD leaves nothing.
    /// </summary>
    public static WiredPod Wire(RouteNetlink node, Link bridge, NetworkNamespace pod, NetworkDefinition network,
        string hostName, string ifName, IPAddress address)
    {
        var spec = Spec(bridge, pod, network, hostName, ifName);
        try
        {
            node.CreateVeth(spec);
        }
        catch (NetlinkException e) when (e.IsExists)
        {
            throw Exists(node, pod, spec, e);
        }
        return ConfigurePod(node, pod, network, spec, address);
    }

    /// <summary>The pair ADD creates: peer born in the pod namespace, host end up on the bridge, random MACs.</summary>
    public static VethSpec Spec(Link bridge, NetworkNamespace pod, NetworkDefinition network, string hostName, string ifName) => new()
    {
        Name = hostName,
        PeerName = ifName,
        Mtu = network.Mtu,
        Mac = MacAddress.Random(),
        PeerMac = MacAddress.Random(),
        PeerNamespace = pod,
        MasterIndex = bridge.Index,
        Up = true,
    };

    /// <summary>Which of the two names an EEXIST from creating <paramref name="spec"/> was about.</summary>
    public static InterfaceExistsException Exists(RouteNetlink node, NetworkNamespace pod, VethSpec spec, NetlinkException e) =>
        new(node.GetLink(spec.Name) is null
            ? $"interface {spec.PeerName} already exists in {pod.Path}"
            : $"host interface {spec.Name} already exists on the node", e);

    /// <summary>
    /// The second half of ADD, once the pair exists: the pod end up with its address and default route, in
    /// one round trip through a socket inside the pod namespace. On failure the pair is deleted again.
    /// </summary>
    public static WiredPod ConfigurePod(RouteNetlink node, NetworkNamespace pod, NetworkDefinition network, VethSpec spec, IPAddress address)
    {
        try
        {
            using var inside = RouteNetlink.OpenIn(pod);
            var link = inside.GetLink(spec.PeerName)
                ?? throw new InvalidOperationException($"{spec.PeerName} is missing in {pod.Path} right after it was created");
            // The kernel cannot bring a veth peer up while creating it; the pod side is set up here, in the
            // same round trip as its address and route.
            var batch = inside.Batch();
            batch.SetUp(link.Index);
            batch.AddAddress(link.Index, NodeBridge.PodAddress(network, address));
            batch.AddRoute(new Route { Gateway = network.Gateway, OutIndex = link.Index });
            batch.Commit();
        }
        catch
        {
            Unwire(node, spec.Name);
            throw;
        }
        return new WiredPod(spec.Name, spec.Mac!.Value, spec.PeerName, spec.PeerMac!.Value, network.Mtu);
    }

    /// <summary>Deletes the pair through its host end; false when it was already gone.</summary>
    public static bool Unwire(RouteNetlink node, string hostName)
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

    /// <summary>Every way the attachment differs from what ADD built; empty when it is intact.</summary>
    public static List<string> Inspect(RouteNetlink node, Link bridge, NetworkNamespace pod, NetworkDefinition network,
        string hostName, string ifName, IPAddress address)
    {
        var problems = new List<string>();
        var host = node.GetLink(hostName);
        if (host is null)
            problems.Add($"host interface {hostName} is missing");
        else if (host.MasterIndex != bridge.Index)
            problems.Add($"host interface {hostName} is not on bridge {bridge.Name}");

        using var inside = RouteNetlink.OpenIn(pod);
        var link = inside.GetLink(ifName);
        if (link is null)
        {
            problems.Add($"interface {ifName} is missing in {pod.Path}");
            return problems;
        }
        if (!link.IsUp)
            problems.Add($"interface {ifName} is down");
        var expected = NodeBridge.PodAddress(network, address);
        if (!inside.DumpAddresses(link.Index).Any(a => a.Address == expected))
            problems.Add($"interface {ifName} lacks address {expected}");
        bool hasDefault = inside.DumpRoutes(AddressFamily.InterNetwork).Any(r =>
            r.Destination is null && network.Gateway.Equals(r.Gateway) && r.OutIndex == link.Index);
        if (!hasDefault)
            problems.Add($"default route via {network.Gateway} dev {ifName} is missing");
        return problems;
    }
}

/// <summary>ADD found the pod's interface name, or the host end's name, already taken.</summary>
public sealed class InterfaceExistsException(string message, Exception inner) : Exception(message, inner);
