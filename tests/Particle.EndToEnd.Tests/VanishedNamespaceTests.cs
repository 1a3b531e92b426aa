using Particle.Daemon.Kernel;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>
/// Housekeeping releases an address only when its namespace is really gone, which the kernel shows by
/// removing the veth pair; never while the pod end still holds the address.
/// </summary>
public sealed class VanishedNamespaceTests : IDisposable
{
    private readonly TestNode _node = new(subnet: "10.121.0.0/24", namePrefix: Runtimes.NamePrefix);

    public void Dispose() => _node.Dispose();

    [Fact]
    public void A_pod_whose_route_was_removed_keeps_its_address_and_is_routed_again_while_its_namespace_lives()
    {
        var pod = _node.AddPod("p");
        _node.Plugin("ADD", "c1", pod).ExitCode.Should().Be(0);
        var allocation = _node.Allocations().Single();
        string host = allocation.HostInterface!;
        _node.PingFromNode(allocation.Address).Should().BeTrue();

        // Someone deletes the pod's route and neighbour entry, then sets its host end down: the pod is cut off,
        // but it still holds the address, and housekeeping (pendingDeleteScanSeconds 1) routes it again.
        Shell.Check("ip", "-n", _node.Namespace, "route", "del", $"{allocation.Address}/32");
        Shell.Check("ip", "-n", _node.Namespace, "neigh", "del", allocation.Address, "dev", host);
        Poll.Until(() => _node.PingFromNode(allocation.Address), TimeSpan.FromSeconds(10)).Should().BeTrue(_node.DaemonLog);
        Shell.Check("ip", "-n", _node.Namespace, "neigh", "show", allocation.Address).Should().Contain("PERMANENT");
        Shell.Check("ip", "-n", _node.Namespace, "link", "set", host, "down");
        Poll.Until(() => _node.PingFromNode(allocation.Address), TimeSpan.FromSeconds(10)).Should().BeTrue(_node.DaemonLog);

        _node.Allocations().Should().ContainSingle().Which.Address.Should().Be(allocation.Address,
            $"handing the address out again would give two pods the same one\n{_node.DaemonLog}");
        _node.Addresses(pod, "eth0").Should().Equal($"{allocation.Address}/32");

        // The namespace goes: now the address is free, and the DEL that follows is a no-op.
        _node.RemovePod(pod);
        Poll.Until(() => _node.Allocations().Count == 0, TimeSpan.FromSeconds(60)).Should().BeTrue(_node.DaemonLog);
        _node.Links().Should().NotContain(l => l.StartsWith(HostVethName.Prefix));
        _node.Plugin("DEL", "c1", "").ExitCode.Should().Be(0);
    }
}
