using System.Net;
using System.Net.Sockets;

namespace Particle.Netlink.Tests;

public sealed class KernelBatchTests
{
    [Fact]
    public void Address_and_default_route_in_one_round_trip()
    {
        using var host = new TempNamespace();
        using var pod = new TempNamespace();
        using RouteNetlink hostNl = host.OpenNetlink();
        hostNl.CreateVeth(new VethSpec { Name = "pv0", PeerName = "eth0", PeerNamespace = pod.Namespace, Up = true });
        using RouteNetlink podNl = pod.OpenNetlink();
        int eth0 = podNl.GetLink("eth0")!.Index;

        podNl.Batch()
            .SetUp(eth0)
            .AddAddress(eth0, InterfaceAddress.Parse("10.1.0.5/16"))
            .AddRoute(new Route { Gateway = IPAddress.Parse("10.1.0.1"), OutIndex = eth0 })
            .Commit();

        podNl.DumpAddresses(eth0).Should().Contain(a => a.Address == InterfaceAddress.Parse("10.1.0.5/16"));
        podNl.DumpRoutes(AddressFamily.InterNetwork, 254).Should().Contain(r => r.Destination == null && Equals(r.Gateway, IPAddress.Parse("10.1.0.1")));
        podNl.GetLink(eth0)!.IsUp.Should().BeTrue();
    }

    [Fact]
    public void A_failing_middle_request_is_named_and_the_rest_still_runs()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateBridge("br0", up: true);
        int br = nl.GetLink("br0")!.Index;
        NetlinkBatch batch = nl.Batch()
            .AddAddress(br, InterfaceAddress.Parse("10.1.0.5/24"))
            .AddRoute(new Route { Destination = InterfaceAddress.Parse("10.50.0.0/16"), Gateway = IPAddress.Parse("192.0.2.1") })
            .SetNeighbour(new Neighbour { Index = br, Address = IPAddress.Parse("10.1.0.9"), Mac = MacAddress.Parse("02:00:00:00:07:01") });

        var act = batch.Commit;

        var e = act.Should().Throw<NetlinkException>().Which;
        e.Operation.Should().Be("RTM_NEWROUTE");
        e.BatchIndex.Should().Be(1);
        e.Message.Should().Contain("10.50.0.0/16 via 192.0.2.1").And.Contain("batch request 2 of 3");
        nl.DumpAddresses(br).Should().Contain(a => a.Address == InterfaceAddress.Parse("10.1.0.5/24"));
        nl.DumpNeighbours(br).Should().ContainSingle(n => n.Address.Equals(IPAddress.Parse("10.1.0.9")));
        nl.GetLink("lo").Should().NotBeNull("the socket is still in step after a failed batch");
    }

    [Fact]
    public void Commit_each_reports_every_request_on_its_own_and_throws_nothing()
    {
        using var host = new TempNamespace();
        using var pod = new TempNamespace();
        using RouteNetlink nl = host.OpenNetlink();
        nl.CreateBridge("taken", up: false);
        NetlinkBatch batch = nl.Batch()
            .CreateVeth(new VethSpec { Name = "pa0", PeerName = "eth0", PeerNamespace = pod.Namespace })
            .CreateVeth(new VethSpec { Name = "taken", PeerName = "eth1", PeerNamespace = pod.Namespace })
            .CreateVeth(new VethSpec { Name = "pa2", PeerName = "eth2", PeerNamespace = pod.Namespace });

        var outcomes = batch.CommitEach();

        outcomes.Should().HaveCount(3);
        outcomes[0].Should().BeNull();
        outcomes[1]!.IsExists.Should().BeTrue();
        outcomes[1]!.BatchIndex.Should().Be(1);
        outcomes[2].Should().BeNull();
        batch.Count.Should().Be(0, "the batch is emptied");
        nl.GetLink("pa2").Should().NotBeNull();
        using RouteNetlink inside = pod.OpenNetlink();
        inside.GetLink("eth1").Should().BeNull();
        inside.GetLink("eth2").Should().NotBeNull();
    }

    [Fact]
    public void Group_delete_removes_every_pair_of_the_group_and_nothing_else()
    {
        using var host = new TempNamespace();
        using var pod = new TempNamespace();
        using RouteNetlink nl = host.OpenNetlink();
        for (int i = 0; i < 5; i++)
        {
            nl.CreateVeth(new VethSpec { Name = $"pg{i}", PeerName = $"eth{i}", PeerNamespace = pod.Namespace });
        }
        for (int i = 0; i < 4; i++)
        {
            nl.SetGroup(nl.GetLink($"pg{i}")!.Index, 4242);
        }
        nl.GetLink("pg0")!.Group.Should().Be(4242u);
        nl.GetLink("pg4")!.Group.Should().Be(0u);

        nl.DeleteGroup(4242).Should().BeTrue();

        nl.DumpLinks().Select(l => l.Name).Should().Contain("pg4").And.NotContain(["pg0", "pg1", "pg2", "pg3"]);
        using RouteNetlink inside = pod.OpenNetlink();
        inside.DumpLinks().Select(l => l.Name).Should().BeEquivalentTo(["lo", "eth4"], "a veth's peer goes with it");
        nl.DeleteGroup(4242).Should().BeFalse("the group is empty now");
    }

    [Fact]
    public void Move_to_another_namespace_renames_in_the_same_request()
    {
        using var host = new TempNamespace();
        using var pod = new TempNamespace();
        using RouteNetlink nl = host.OpenNetlink();
        nl.CreateVeth(new VethSpec { Name = "pm0", PeerName = "pm0p" });

        nl.MoveTo(nl.GetLink("pm0p")!.Index, pod.Namespace, "eth0");

        nl.GetLink("pm0p").Should().BeNull();
        using RouteNetlink inside = pod.OpenNetlink();
        inside.GetLink("eth0")!.Kind.Should().Be("veth");
    }

    [Fact]
    public void Hundreds_of_veths_in_one_batch()
    {
        using var host = new TempNamespace();
        using var pods = new TempNamespace();
        using RouteNetlink nl = host.OpenNetlink();
        const int count = 300;
        NetlinkBatch batch = nl.Batch();
        for (int i = 0; i < count; i++)
        {
            batch.CreateVeth(new VethSpec { Name = $"h{i}", PeerName = $"p{i}", PeerNamespace = pods.Namespace, Up = true, PeerUp = true });
        }

        batch.Commit();

        nl.DumpLinks().Count(l => l.Kind == "veth").Should().Be(count);
        using RouteNetlink podNl = pods.OpenNetlink();
        podNl.DumpLinks().Count(l => l.Kind == "veth" && l.IsUp).Should().Be(count);

        NetlinkBatch cleanup = nl.Batch();
        for (int i = 0; i < count; i++)
        {
            cleanup.DeleteLink($"h{i}");
        }
        cleanup.Commit();
        nl.DumpLinks().Should().ContainSingle();
    }
}
