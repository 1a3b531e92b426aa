using System.Net;
using System.Text;
using Particle.Daemon.Cluster;
using Particle.Daemon.Configuration;
using Particle.Netlink;

namespace Particle.Daemon.Tests.Cluster;

public class StaticClusterStoreTests
{
    private const string TwoNodes = """
        { "nodes": [
          { "name": "n1", "underlay": "198.18.0.1", "subnets": { "a": "10.244.1.0/24", "b": "10.245.1.0/24" } },
          { "name": "n2", "underlay": "198.18.0.2", "subnets": { "a": "10.244.2.0/24" } } ] }
        """;

    [Fact]
    public void Vtep_macs_are_derived_from_node_and_network_alone()
    {
        var mac = VtepMac.For("n1", "a");

        mac.Should().Be(VtepMac.For("n1", "a"));
        mac.Should().NotBe(VtepMac.For("n2", "a")).And.NotBe(VtepMac.For("n1", "b"));
        // Locally administered unicast: bit 1 set, bit 0 clear.
        (mac.GetBytes()[0] & 0x03).Should().Be(0x02);
        Enumerable.Range(0, 200).Select(i => VtepMac.For($"node{i}", "a")).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void File_lists_leases_per_network()
    {
        var leases = StaticClusterFile.Parse(Encoding.UTF8.GetBytes(TwoNodes), "nodes.json");

        leases.Should().Equal(
            new NodeLease("a", "n1", IPNetwork.Parse("10.244.1.0/24"), IPAddress.Parse("198.18.0.1"), VtepMac.For("n1", "a")),
            new NodeLease("b", "n1", IPNetwork.Parse("10.245.1.0/24"), IPAddress.Parse("198.18.0.1"), VtepMac.For("n1", "b")),
            new NodeLease("a", "n2", IPNetwork.Parse("10.244.2.0/24"), IPAddress.Parse("198.18.0.2"), VtepMac.For("n2", "a")));
    }

    [Theory]
    [InlineData("""{ "nodes": [ { "name": "n1", "underlay": "198.18.0.1" }, { "name": "n1", "underlay": "198.18.0.2" } ] }""", "*node name \"n1\" is empty or listed twice")]
    [InlineData("""{ "nodes": [ { "name": "n1", "underlay": "n1.example" } ] }""", "*node n1: underlay \"n1.example\" is not an IPv4 address")]
    [InlineData("""{ "nodes": [ { "name": "n1", "underlay": "198.18.0.1", "subnets": { "a": "10.244.1.1/24" } } ] }""", "*node n1: subnets.a \"10.244.1.1/24\" is not a CIDR*")]
    [InlineData("""{ "nodes": [ { "name": "n1", "underlay": "198.18.0.1", "subnets": { "a": "10.244.0.0/23" } }, { "name": "n2", "underlay": "198.18.0.2", "subnets": { "a": "10.244.1.0/24" } } ] }""", "*nodes n1 and n2 overlap in network a*")]
    [InlineData("""{ "nodes": [ { "name": "n1", "adress": "198.18.0.1" } ] }""", "*adress*")]
    [InlineData("""[]""", "*not valid*")]
    public void Bad_files_are_refused_whole(string json, string expected)
    {
        var act = () => StaticClusterFile.Parse(Encoding.UTF8.GetBytes(json), "nodes.json");

        act.Should().Throw<ClusterStoreException>().WithMessage(expected);
    }

    [Fact]
    public async Task Join_checks_the_node_against_the_file()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("nodes.json"), TwoNodes);
        await using var store = new StaticClusterStore(new StaticClusterSettings(dir.File("nodes.json")));

        var lease = await store.JoinAsync(Join("n1", "a"), CancellationToken.None);
        lease.Subnet.Should().Be(IPNetwork.Parse("10.244.1.0/24"));
        store.Health.Connected.Should().BeTrue();

        await FailsWith(store, Join("n3", "a"), "*node n3 is not listed");
        await FailsWith(store, Join("n2", "b"), "*node n2 has no subnet for network b");
        await FailsWith(store, Join("n1", "a") with { Underlay = IPAddress.Parse("198.18.0.9") }, "*listed with underlay 198.18.0.1, but this node's underlay is 198.18.0.9");
        await FailsWith(store, Join("n1", "a") with { NodeSubnetLength = 25 }, "*subnet 10.244.1.0/24 in network a is not a /25 of 10.244.0.0/16");
    }

    [Fact]
    public async Task Watch_reports_the_file_then_each_change_and_keeps_quiet_on_a_broken_one()
    {
        using var dir = new TempDir();
        string path = dir.File("nodes.json");
        File.WriteAllText(path, TwoNodes);
        await using var store = new StaticClusterStore(new StaticClusterSettings(path), TimeSpan.FromMilliseconds(20));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var snapshots = store.WatchAsync("a", cancel.Token).GetAsyncEnumerator();

        (await Next(snapshots)).Select(l => l.Node).Should().Equal("n1", "n2");

        File.WriteAllText(path, "{ \"nodes\": [ { \"name\": \"n1\", ");
        await Task.Delay(200);
        File.WriteAllText(path, TwoNodes.Replace("{ \"name\": \"n2\", \"underlay\": \"198.18.0.2\", \"subnets\": { \"a\": \"10.244.2.0/24\" } }", "{ \"name\": \"n2\", \"underlay\": \"198.18.0.2\" }"));
        var second = await Next(snapshots);
        second.Select(l => l.Node).Should().Equal("n1");
        store.Health.Connected.Should().BeTrue();
    }

    private static async Task<IReadOnlyList<NodeLease>> Next(IAsyncEnumerator<IReadOnlyList<NodeLease>> snapshots)
    {
        (await snapshots.MoveNextAsync()).Should().BeTrue();
        return snapshots.Current;
    }

    private static ClusterJoin Join(string node, string network) => new(network, node, IPNetwork.Parse(network == "a" ? "10.244.0.0/16" : "10.245.0.0/16"), 24,
        IPAddress.Parse(node == "n1" ? "198.18.0.1" : "198.18.0.2"), VtepMac.For(node, network), null);

    private static async Task FailsWith(StaticClusterStore store, ClusterJoin join, string message)
    {
        var act = () => store.JoinAsync(join, CancellationToken.None);
        await act.Should().ThrowAsync<ClusterStoreException>().WithMessage(message);
    }
}

public class OverlaySampleConfigTests
{
    [Fact]
    public void The_sample_overlay_config_and_nodes_file_load_and_agree()
    {
        var confDir = Path.Combine(TestNetworks.RepositoryRoot, "cni-conf");

        var settings = DaemonSettings.Load(Path.Combine(confDir, "particled-overlay.json"));
        var leases = StaticClusterFile.Parse(File.ReadAllBytes(Path.Combine(confDir, "nodes.json")), "nodes.json");

        settings.Overlays.Select(o => o.Network).Should().Equal("tenant-a", "tenant-b");
        foreach (var overlay in settings.Overlays)
        {
            var mine = leases.Single(l => l.Node == settings.Cluster!.NodeName && l.Network == overlay.Network);
            overlay.Define(mine.Subnet, 1450).Gateway.ToString().Should().EndWith(".1");
        }
        leases.Select(l => l.Underlay).Should().Contain(settings.Cluster!.UnderlayAddress!);
    }
}
