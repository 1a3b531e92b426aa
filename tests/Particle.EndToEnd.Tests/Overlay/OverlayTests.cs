using System.Diagnostics;
using System.Text.Json;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Overlay;

/// <summary>
/// The multi-node overlay end to end: 3 simulated nodes, 2 tenants, pods attached by the real plugin on
/// every node. Written once against <see cref="IClusterMembership"/>; each backend runs the same tests.
/// </summary>
public abstract class OverlayTests
{
    private const int Port = 7000;

    protected abstract IClusterMembership CreateMembership();

    [Fact]
    public void Pods_reach_their_tenant_on_every_node_and_never_another_tenant()
    {
        using var cluster = new SimCluster(CreateMembership(), nodes: 3, tenants: 2);
        cluster.WaitForMesh();
        // Operators see the mesh too: every node reports the two others in each tenant.
        foreach (var node in cluster.Nodes)
            node.RemoteNodesByTenant().Should().BeEquivalentTo(cluster.Tenants.ToDictionary(t => t.Name, _ => (int?)2), node.Name);
        var pods = new List<Pod>();
        foreach (var node in cluster.Nodes)
        {
            foreach (var tenant in cluster.Tenants)
            {
                pods.Add(node.AddPod(tenant, $"{tenant.Name}a", out var result));
                // The pods' MTU is the VXLAN device's (underlay less 50 bytes of encapsulation); CNI 1.1.0 results carry it.
                result.GetProperty("interfaces")[1].GetProperty("mtu").GetInt32().Should().Be(SimCluster.UnderlayMtu - 50);
            }
            // A second pod of the first tenant on the same node: same-node traffic is routed by the node.
            pods.Add(node.AddPod(cluster.Tenants[0], "t1b", out _));
        }
        pods.Should().OnlyHaveUniqueItems(p => p.Address);
        foreach (var pod in pods)
            SimNode.Lines("ip", "-n", Path.GetFileName(pod.Netns), "-o", "link", "show", "eth0").Single().Should().Contain("mtu 1450");

        using var servers = new TcpServers(pods);
        var wrong = new List<string>();
        foreach (var from in pods)
        {
            foreach (var to in pods.Where(p => p != from))
            {
                bool same = from.Tenant == to.Tenant;
                bool ping = Ping(from.Netns, to.Address);
                bool tcp = Connect(from.Netns, to.Address);
                if (ping != same || tcp != same)
                    wrong.Add($"{from.Name} ({from.Tenant.Name} {from.Address}) -> {to.Name} ({to.Tenant.Name} {to.Address}): ping {ping}, tcp {tcp}, expected {same}");
            }
        }
        wrong.Should().BeEmpty();

        // Of the gateways on its node a pod reaches its own only; the node's underlay answers its ping (a
        // tenant's default node services), another node's underlay is the world to it (masqueraded egress).
        // VXLAN to any node is refused by the firewall (FirewallRulesetTests, NodeServiceTests).
        foreach (var pod in pods)
        {
            var node = pod.Node;
            foreach (var tenant in cluster.Tenants)
            {
                string gateway = $"{node.SubnetIn(tenant).Split('/')[0][..^1]}1";
                Ping(pod.Netns, gateway).Should().Be(tenant == pod.Tenant, $"{pod.Name} -> {tenant.Name}'s gateway {gateway} on its node");
            }
            Ping(pod.Netns, node.Underlay).Should().BeTrue($"{pod.Name} pings its node (nodeServices [\"icmp\"])");
            Ping(pod.Netns, cluster.Nodes.First(n => n != node).Underlay).Should().BeTrue($"{pod.Name} reaches another node's underlay as egress");
        }

        // The node itself reaches every pod of every tenant, local and remote (benchmarks and probes need it).
        foreach (var pod in pods)
            NodePing(cluster.Nodes[0], pod.Address).Should().BeTrue($"node n1 should reach {pod.Name} {pod.Address}");
    }

    [Fact]
    public void A_node_that_leaves_is_removed_everywhere_and_rejoins_with_its_subnet()
    {
        using var cluster = new SimCluster(CreateMembership(), nodes: 3, tenants: 2);
        cluster.WaitForMesh();
        var (n1, n3) = (cluster.Nodes[0], cluster.Nodes[2]);
        var tenant = cluster.Tenants[0];
        var before = cluster.Tenants.ToDictionary(t => t, n3.SubnetIn);
        var from = n1.AddPod(tenant, "src", out _);
        var to = n3.AddPod(tenant, "dst", out _);
        Ping(from.Netns, to.Address).Should().BeTrue();

        cluster.Membership.Remove(n3);
        foreach (var node in cluster.Nodes.Take(2))
            foreach (var t in cluster.Tenants)
                Wait.Until(() => node.HasNoTraceOf(t, before[t], n3.Underlay), $"{node.Name} forgets n3 in {t.Name}", node.DaemonLog);
        Ping(from.Netns, to.Address).Should().BeFalse();
        // The one left still has its devices and the other peer.
        n1.HasPeer(tenant, cluster.Nodes[1].SubnetIn(tenant)).Should().BeTrue();

        cluster.Membership.Restore(n3);
        cluster.WaitForMesh();
        cluster.Tenants.ToDictionary(t => t, n3.SubnetIn).Should().Equal(before);
        Wait.Until(() => Ping(from.Netns, to.Address), "the pod on n3 is reachable again");
    }

    [Fact]
    public void A_killed_daemon_restarts_without_duplicating_losing_or_keeping_stale_entries()
    {
        using var cluster = new SimCluster(CreateMembership(), nodes: 3, tenants: 2);
        cluster.WaitForMesh();
        var n1 = cluster.Nodes[0];
        var tenant = cluster.Tenants[0];
        var local = n1.AddPod(tenant, "a", out _);
        var remote = cluster.Nodes[1].AddPod(tenant, "b", out _);
        var expected = n1.OverlayState();
        expected.Should().Contain(l => l.StartsWith("route ", StringComparison.Ordinal) && l.Contains(cluster.Nodes[2].SubnetIn(tenant), StringComparison.Ordinal));

        n1.KillDaemon();
        // While it is down, someone adds an entry of the overlay's kind that no lease accounts for, and
        // deletes one that a lease does: the restart must remove the first and restore the second.
        var peer = cluster.Nodes[1].SubnetIn(tenant);
        Shell.Check("ip", "-n", n1.Namespace, "route", "add", "10.244.99.0/24", "via", "10.244.99.0", "dev", tenant.Device,
            "onlink", "proto", "112");
        Shell.Check("ip", "-n", n1.Namespace, "route", "del", peer);
        n1.StartDaemon();
        Wait.Until(() => n1.OverlayState().SequenceEqual(expected), "n1's overlay state is as before the crash",
            string.Join('\n', n1.OverlayState()) + "\n--- expected\n" + string.Join('\n', expected));

        // Start once more to be sure a second adoption is as idempotent as the first.
        n1.KillDaemon();
        n1.StartDaemon();
        Thread.Sleep(1000);
        n1.OverlayState().Should().Equal(expected);
        Ping(local.Netns, remote.Address).Should().BeTrue();
        var more = n1.AddPod(tenant, "c", out _);
        Ping(more.Netns, remote.Address).Should().BeTrue();
    }

    [Fact]
    public void Pooled_namespaces_are_overlay_endpoints()
    {
        using var cluster = new SimCluster(CreateMembership(), nodes: 2, tenants: 2, poolSize: 2);
        cluster.WaitForMesh();
        var (a, b) = (cluster.Tenants[0], cluster.Tenants[1]);
        var remoteSame = cluster.Nodes[1].AddPod(a, "same", out _);
        var remoteOther = cluster.Nodes[1].AddPod(b, "other", out _);

        var (netns, address) = cluster.Nodes[0].Claim(a);

        address.Should().StartWith("10.244.");
        SimNode.Lines("nsenter", $"--net={netns}", "ip", "-o", "link", "show", "eth0").Single().Should().Contain("mtu 1450");
        Ping(netns, remoteSame.Address).Should().BeTrue();
        Ping(remoteSame.Netns, address).Should().BeTrue();
        Ping(netns, remoteOther.Address).Should().BeFalse();
        Ping(remoteOther.Netns, address).Should().BeFalse();
    }

    private static bool Ping(string fromNetns, string address) =>
        Shell.Run("nsenter", [$"--net={fromNetns}", "ping", "-c", "1", "-W", "1", address]).ExitCode == 0;

    private static bool NodePing(SimNode node, string address) =>
        Shell.Run("ip", ["netns", "exec", node.Namespace, "ping", "-c", "1", "-W", "1", address]).ExitCode == 0;

    /// <summary>A TCP connection that the pod's server accepts (and closes at once).</summary>
    private static bool Connect(string fromNetns, string address) =>
        Shell.Run("ip", ["netns", "exec", Path.GetFileName(fromNetns), "busybox", "timeout", "3", "busybox", "nc", "-w", "1", address, Port.ToString()],
            stdin: "", timeout: TimeSpan.FromSeconds(10)).ExitCode == 0;

    /// <summary>A TCP server on <see cref="Port"/> in every pod; killed on dispose.</summary>
    private sealed class TcpServers : IDisposable
    {
        private readonly List<Process> _servers = [];

        public TcpServers(IEnumerable<Pod> pods)
        {
            foreach (var pod in pods)
            {
                var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var arg in new[] { "netns", "exec", Path.GetFileName(pod.Netns), "busybox", "nc", "-ll", "-p", Port.ToString(), "-e", "/bin/true" })
                    info.ArgumentList.Add(arg);
                _servers.Add(Process.Start(info)!);
            }
            foreach (var pod in pods)
                Wait.Until(() => SimNode.Lines("ip", "netns", "exec", Path.GetFileName(pod.Netns), "ss", "-Hltn").Any(l => l.Contains($":{Port} ", StringComparison.Ordinal)),
                    $"the TCP server in {pod.Name} listens");
        }

        public void Dispose()
        {
            foreach (var server in _servers)
            {
                if (!server.HasExited)
                {
                    server.Kill();
                    server.WaitForExit();
                }
                server.Dispose();
            }
        }
    }
}

public sealed class StaticOverlayTests : OverlayTests
{
    protected override IClusterMembership CreateMembership() => new StaticMembership();
}
