using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Overlay;

/// <summary>
/// The overlay tests on a real etcd server (in its own namespace on the underlay), plus what only a store
/// that can go away has to survive: an etcd outage.
/// </summary>
public sealed class EtcdOverlayTests : OverlayTests
{
    protected override IClusterMembership CreateMembership() => new EtcdMembership();

    [Fact]
    public async Task Daemons_serve_on_their_leases_while_etcd_is_down_and_resynchronise_after()
    {
        var etcd = new EtcdMembership();
        using var cluster = new SimCluster(etcd, nodes: 3, tenants: 2);
        cluster.WaitForMesh();
        var (n1, n2) = (cluster.Nodes[0], cluster.Nodes[1]);
        var tenant = cluster.Tenants[0];
        var before = State(n1);

        etcd.StopServer();
        // Longer than the lease TTL: nothing may expire or be dropped while nobody can renew.
        Thread.Sleep(TimeSpan.FromSeconds(EtcdMembership.LeaseTtlSeconds + 2));
        var a = n1.AddPod(tenant, "outa", out _);
        var b = n2.AddPod(tenant, "outb", out _);
        var gone = n2.AddPod(tenant, "outc", out _);
        Ping(a.Netns, b.Address).Should().BeTrue("pods added during the outage reach each other across nodes");
        var del = n2.Plugin(tenant, "DEL", "c-outc", gone.Netns);
        del.ExitCode.Should().Be(0, $"DEL during the outage: {del}\n{n2.DaemonLog}");
        SimNode.Lines("ip", "-n", Path.GetFileName(gone.Netns), "-o", "link", "show").Should().NotContain(l => l.Contains("eth0", StringComparison.Ordinal));
        State(n1).Should().Equal(before, "no peer is dropped while etcd is away");
        cluster.Nodes.Should().OnlyContain(n => n.Running);

        // A node started during the outage keeps asking (it has no lease to serve on) and joins once etcd is
        // back; the others program it: their watches came back.
        var n4 = new SimNode(cluster, 4);
        cluster.Nodes.Add(n4);
        var starting = Task.Run(n4.StartDaemon);
        Wait.Until(() => n4.DaemonLog.Contains("join attempt 1 failed", StringComparison.Ordinal), "n4 fails its first join and keeps asking", n4.DaemonLog);
        starting.IsCompleted.Should().BeFalse("n4 cannot serve before it holds a lease");
        etcd.StartServer();
        await starting.WaitAsync(TimeSpan.FromSeconds(15));
        cluster.WaitForMesh();
        var c = n4.AddPod(tenant, "late", out _);
        Wait.Until(() => Ping(a.Netns, c.Address), "a pod on n1 reaches the pod on the late node");

        // Exactly n4's route, neighbour and FDB entry per tenant were added on n1: nothing duplicated or lost.
        var after = State(n1);
        after.Should().OnlyHaveUniqueItems();
        var added = after.ToList();
        foreach (var line in before)
            added.Remove(line).Should().BeTrue($"n1 still has: {line}");
        added.Should().HaveCount(3 * cluster.Tenants.Count, string.Join('\n', added));
        var marks = cluster.Tenants.Select(t => n4.SubnetIn(t).Split('/')[0] + " ").Append($"dst {n4.Underlay} ").ToList();
        added.Should().OnlyContain(l => marks.Any(m => l.Contains(m, StringComparison.Ordinal)), string.Join('\n', added));
    }

    /// <summary>The overlay's kernel state; the bridge route's "linkdown" goes once a pod is attached, which is not the overlay's doing.</summary>
    private static List<string> State(SimNode node) =>
        node.OverlayState().Select(l => l.Replace(" linkdown", "", StringComparison.Ordinal)).ToList();

    private static bool Ping(string fromNetns, string address) =>
        Shell.Run("nsenter", [$"--net={fromNetns}", "ping", "-c", "1", "-W", "1", address]).ExitCode == 0;
}
