using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Particle.Daemon.Cluster;
using Particle.Daemon.Cluster.Etcd;
using Particle.Netlink;
using Xunit.Abstractions;

namespace Particle.Daemon.Tests.Cluster.Etcd;

/// <summary>The etcd store against a real etcd 3.4 running in a namespace of the test's own.</summary>
public sealed class EtcdClusterStoreTests(ITestOutputHelper output) : IDisposable
{
    private const string Network = "pods";
    private static readonly IPNetwork ClusterCidr = IPNetwork.Parse("10.244.0.0/16");
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    private readonly EtcdServer _etcd = new();

    public void Dispose()
    {
        output.WriteLine(_etcd.Log);
        _etcd.Dispose();
    }

    [Fact]
    public async Task ConcurrentJoinsNeverShareASubnetAndTheLateOnesSeeExhaustion()
    {
        // 24 nodes race for the 16 /24 subnets of a /20: each subnet goes to exactly one node.
        IPNetwork cidr = IPNetwork.Parse("10.250.0.0/20");
        List<EtcdClusterStore> stores = Enumerable.Range(0, 24).Select(i => Store($"n{i}")).ToList();
        try
        {
            Task<NodeLease>[] joins = stores.Select((s, i) => Task.Run(() => s.JoinAsync(Join($"node-{i}", i + 1, cidr), CancellationToken.None))).ToArray();
            try
            {
                await Task.WhenAll(joins);
            }
            catch (ClusterStoreException)
            {
                // some must fail: looked at below
            }
            List<NodeLease> won = joins.Where(j => j.IsCompletedSuccessfully).Select(j => j.Result).ToList();
            won.Should().HaveCount(16);
            won.Select(l => l.Subnet).Distinct().Should().HaveCount(16);
            won.Should().OnlyContain(l => cidr.Contains(l.Subnet.BaseAddress) && l.Subnet.PrefixLength == 24);
            foreach (Task<NodeLease> lost in joins.Where(j => !j.IsCompletedSuccessfully))
            {
                lost.Exception!.InnerException.Should().BeOfType<ClusterStoreException>()
                    .Which.Message.Should().Contain("exhausted").And.Contain("10.250.0.0/20");
            }

            // etcd itself (through etcdctl) holds exactly one record per winner, naming that winner.
            Dictionary<string, string> records = SubnetRecords();
            records.Should().HaveCount(16);
            foreach (NodeLease lease in won)
            {
                records[$"{lease.Subnet.BaseAddress}-24"].Should().Be(lease.Node);
            }
        }
        finally
        {
            foreach (EtcdClusterStore store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task ExhaustedClusterCidrIsAClearError()
    {
        IPNetwork cidr = IPNetwork.Parse("10.251.0.0/23");
        await using EtcdClusterStore a = Store("a"), b = Store("b"), c = Store("c");
        await a.JoinAsync(Join("node-a", 1, cidr), CancellationToken.None);
        await b.JoinAsync(Join("node-b", 2, cidr), CancellationToken.None);

        Func<Task> join = () => c.JoinAsync(Join("node-c", 3, cidr), CancellationToken.None);

        (await join.Should().ThrowAsync<ClusterStoreException>()).Which.Message.Should()
            .Be("network pods: cluster CIDR 10.251.0.0/23 is exhausted: all 2 /24 node subnets are held by other nodes (node-a, node-b)");
    }

    [Fact]
    public async Task RestartedNodeGetsItsOwnSubnetBack()
    {
        await using EtcdClusterStore b = Store("b");
        NodeLease other = await b.JoinAsync(Join("node-b", 2), CancellationToken.None);

        EtcdClusterStore first = Store("a1");
        NodeLease before = await first.JoinAsync(Join("node-a", 1), CancellationToken.None);
        await first.DisposeAsync();   // a crash or restart: the lease is left to expire

        // Restarted while the old record is still there, without local state: found by the node's name.
        EtcdClusterStore second = Store("a2");
        (await second.JoinAsync(Join("node-a", 1), CancellationToken.None)).Subnet.Should().Be(before.Subnet);
        // The old lease expires; the record, now under the new lease, must outlive it.
        await Task.Delay(Ttl + TimeSpan.FromSeconds(2));
        SubnetRecords().Should().Contain($"{before.Subnet.BaseAddress}-24", "node-a");
        await second.DisposeAsync();

        // Restarted after its record expired: the subnet from its state folder, when still free.
        await WaitUntilAsync(() => !SubnetRecords().ContainsKey($"{before.Subnet.BaseAddress}-24"), Ttl + TimeSpan.FromSeconds(3), "node-a's record expires");
        await using EtcdClusterStore third = Store("a3");
        (await third.JoinAsync(Join("node-a", 1, previous: before.Subnet), CancellationToken.None)).Subnet.Should().Be(before.Subnet);

        // A previous subnet that another node holds now is not taken from it.
        await using EtcdClusterStore c = Store("c");
        NodeLease third2 = await c.JoinAsync(Join("node-c", 3, previous: other.Subnet), CancellationToken.None);
        third2.Subnet.Should().NotBe(other.Subnet).And.NotBe(before.Subnet);
        SubnetRecords().Should().Contain($"{other.Subnet.BaseAddress}-24", "node-b");
    }

    [Fact]
    public async Task ThePreviousSubnetWinsAndOlderRecordsOfTheNodeAreGivenBack()
    {
        // node-a's record for one subnet is still alive, but its state folder says it used another, free
        // one (its pods hold addresses there): it takes that one and gives the other back.
        EtcdClusterStore first = Store("a1");
        NodeLease old = await first.JoinAsync(Join("node-a", 1), CancellationToken.None);
        await first.DisposeAsync();
        IPNetwork previous = old.Subnet.BaseAddress.Equals(IPAddress.Parse("10.244.200.0"))
            ? IPNetwork.Parse("10.244.201.0/24") : IPNetwork.Parse("10.244.200.0/24");

        await using EtcdClusterStore second = Store("a2");
        (await second.JoinAsync(Join("node-a", 1, previous: previous), CancellationToken.None)).Subnet.Should().Be(previous);

        SubnetRecords().Should().Equal(new Dictionary<string, string> { [$"{previous.BaseAddress}-24"] = "node-a" });
    }

    [Fact]
    public async Task WatcherSeesAJoinAndTheDepartureOfANodeWhoseLeaseExpired()
    {
        await using EtcdClusterStore watcher = Store("watcher");
        await using var snapshots = new SnapshotRecorder(watcher, Network);
        await snapshots.WaitForAsync(l => l.Count == 0, TimeSpan.FromSeconds(5), "the empty network is reported");

        EtcdClusterStore a = Store("a");
        NodeLease joined = await a.JoinAsync(Join("node-a", 7), CancellationToken.None);
        IReadOnlyList<NodeLease> seen = await snapshots.WaitForAsync(l => l.Any(x => x.Node == "node-a"), TimeSpan.FromSeconds(2), "node-a appears");
        seen.Should().ContainSingle().Which.Should().Be(joined);
        joined.Underlay.Should().Be(IPAddress.Parse("198.18.0.7"));
        joined.VtepMac.Should().Be(MacAddress.Parse("02:00:00:00:00:07"));

        await a.DisposeAsync();   // stops renewing
        await snapshots.WaitForAsync(l => l.All(x => x.Node != "node-a"), Ttl + TimeSpan.FromSeconds(2.5), "node-a's lease expires");
    }

    [Fact]
    public async Task FiftyWatchingNodesAllSeeAJoin()
    {
        // The store's share of the 50-node mesh figure: one join fanned out to 50 watch streams.
        List<EtcdClusterStore> stores = Enumerable.Range(0, 50).Select(i => Store($"w{i}")).ToList();
        var recorders = new List<SnapshotRecorder>();
        try
        {
            recorders.AddRange(stores.Select(s => new SnapshotRecorder(s, Network)));
            foreach (SnapshotRecorder recorder in recorders)
            {
                await recorder.WaitForAsync(l => l.Count == 0, TimeSpan.FromSeconds(10), "the empty network");
            }
            await using EtcdClusterStore joiner = Store("joiner");
            long start = Stopwatch.GetTimestamp();
            await joiner.JoinAsync(Join("node-new", 9), CancellationToken.None);
            TimeSpan joined = Stopwatch.GetElapsedTime(start);
            var seen = new List<TimeSpan>();
            foreach (SnapshotRecorder recorder in recorders)
            {
                await recorder.WaitForAsync(l => l.Any(x => x.Node == "node-new"), TimeSpan.FromSeconds(5), "node-new");
                seen.Add(Stopwatch.GetElapsedTime(start, recorder.FirstSeen("node-new")));
            }
            seen.Sort();
            output.WriteLine($"join took {joined.TotalMilliseconds:F0} ms; visible to 50 watchers after: median {seen[25].TotalMilliseconds:F0} ms, " +
                $"max {seen[^1].TotalMilliseconds:F0} ms (from the start of the join)");
        }
        finally
        {
            foreach (SnapshotRecorder recorder in recorders)
            {
                await recorder.DisposeAsync();
            }
            foreach (EtcdClusterStore store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task EtcdOutageKeepsTheLastSnapshotAndResynchronisesAfter()
    {
        await using EtcdClusterStore a = Store("a");
        await a.JoinAsync(Join("node-a", 1), CancellationToken.None);
        await using EtcdClusterStore watcher = Store("watcher");
        await using var snapshots = new SnapshotRecorder(watcher, Network);
        await snapshots.WaitForAsync(l => l.Any(x => x.Node == "node-a"), TimeSpan.FromSeconds(5), "node-a appears");
        watcher.Health.Connected.Should().BeTrue();

        _etcd.Stop();
        await WaitUntilAsync(() => !watcher.Health.Connected && !a.Health.Connected, TimeSpan.FromSeconds(10), "both stores report the outage");
        watcher.Health.LastError.Should().Contain("etcd unreachable");
        await Task.Delay(TimeSpan.FromSeconds(2));   // several retries while etcd is away

        _etcd.Start();
        await WaitUntilAsync(() => watcher.Health.Connected && a.Health.Connected, TimeSpan.FromSeconds(10), "both stores reconnect");
        await using EtcdClusterStore b = Store("b");
        await b.JoinAsync(Join("node-b", 2), CancellationToken.None);
        await snapshots.WaitForAsync(l => l.Select(x => x.Node).Order().SequenceEqual(["node-a", "node-b"]), TimeSpan.FromSeconds(5),
            "node-a (kept through the outage) and node-b (joined after it) are both there");

        // Never an empty or partial cluster on the way: every snapshot after node-a appeared still has it.
        snapshots.All.SkipWhile(s => s.Leases.All(x => x.Node != "node-a")).Should()
            .OnlyContain(s => s.Leases.Any(x => x.Node == "node-a"));
        watcher.Health.LastContact.Should().NotBeNull();
    }

    [Fact]
    public async Task ExpiredLeaseIsReplacedAndTheSubnetPublishedAgain()
    {
        await using EtcdClusterStore a = Store("a");
        NodeLease joined = await a.JoinAsync(Join("node-a", 1), CancellationToken.None);
        long revoked = a.LeaseId;

        _etcd.Ctl("lease", "revoke", revoked.ToString("x"));   // as if etcd had not heard from the node for a TTL
        SubnetRecords().Should().NotContainKey($"{joined.Subnet.BaseAddress}-24", "etcd deletes a revoked lease's keys");

        await WaitUntilAsync(() => a.LeaseId != revoked && SubnetRecords().ContainsKey($"{joined.Subnet.BaseAddress}-24"),
            Ttl + TimeSpan.FromSeconds(2), "a new lease and the record again");
        SubnetRecords()[$"{joined.Subnet.BaseAddress}-24"].Should().Be("node-a");
        a.Health.LastError.Should().NotContain("taken by");
    }

    [Fact]
    public async Task AJoinThatFindsItsLeaseGoneTakesANewOneAndRepublishesTheOtherNetworks()
    {
        await using EtcdClusterStore a = Store("a", ttl: TimeSpan.FromSeconds(30));   // no renewal during the test
        NodeLease pods = await a.JoinAsync(Join("node-a", 1), CancellationToken.None);
        long revoked = a.LeaseId;
        _etcd.Ctl("lease", "revoke", revoked.ToString("x"));

        NodeLease tenant = await a.JoinAsync(Join("node-a", 1) with { Network = "tenant-b" }, CancellationToken.None);

        a.LeaseId.Should().NotBe(revoked);
        SubnetRecords().Should().Contain($"{pods.Subnet.BaseAddress}-24", "node-a", "the first network's record came back with the new lease");
        SubnetRecords("tenant-b").Should().Contain($"{tenant.Subnet.BaseAddress}-24", "node-a");
        string leaseOfKey = _etcd.Ctl("get", $"/pcs/networks/{Network}/subnets/{pods.Subnet.BaseAddress}-24", "-w", "json");
        JsonDocument.Parse(leaseOfKey).RootElement.GetProperty("kvs")[0].GetProperty("lease").GetInt64().Should().Be(a.LeaseId);
    }

    [Fact]
    public async Task AnUnreachableEndpointFailsOverToTheNext()
    {
        var dead = new Uri($"http://127.0.0.1:{_etcd.ClientPort + 7}");   // nothing listens there
        await using EtcdClusterStore a = Store("a", [dead, _etcd.Endpoint]);
        NodeLease joined = await a.JoinAsync(Join("node-a", 1), CancellationToken.None);

        SubnetRecords().Should().Contain($"{joined.Subnet.BaseAddress}-24", "node-a");
        a.Health.Connected.Should().BeTrue();
    }

    [Fact]
    public async Task NoReachableEndpointIsAClusterStoreError()
    {
        await using EtcdClusterStore a = Store("a", [new Uri($"http://127.0.0.1:{_etcd.ClientPort + 7}")]);

        Func<Task> join = () => a.JoinAsync(Join("node-a", 1), CancellationToken.None);

        (await join.Should().ThrowAsync<ClusterStoreException>()).Which.Message.Should().Contain("etcd unreachable");
        a.Health.Connected.Should().BeFalse();
    }

    private EtcdClusterStore Store(string name, IReadOnlyList<Uri>? endpoints = null, TimeSpan? ttl = null) =>
        new(new EtcdStoreOptions(endpoints ?? [_etcd.Endpoint], "/pcs", ttl ?? Ttl) { MaxRetryDelay = TimeSpan.FromMilliseconds(500) },
            new TestLog(output, name), _etcd.Handler());

    private static ClusterJoin Join(string node, int index, IPNetwork? cidr = null, IPNetwork? previous = null) =>
        new(Network, node, cidr ?? ClusterCidr, 24, IPAddress.Parse($"198.18.0.{index}"),
            MacAddress.Parse($"02:00:00:00:00:{index:x2}"), previous);

    /// <summary>subnet key name (a.b.c.d-len) -> node, as etcdctl sees them.</summary>
    private Dictionary<string, string> SubnetRecords(string network = Network)
    {
        string prefix = $"/pcs/networks/{network}/subnets/";
        string[] lines = _etcd.Ctl("get", "--prefix", prefix).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var records = new Dictionary<string, string>();
        for (int i = 0; i + 1 < lines.Length; i += 2)
        {
            using JsonDocument value = JsonDocument.Parse(lines[i + 1]);
            records[lines[i][prefix.Length..]] = value.RootElement.GetProperty("node").GetString()!;
        }
        return records;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"not within {timeout.TotalSeconds} s: {what}");
            }
            await Task.Delay(100);
        }
    }
}
