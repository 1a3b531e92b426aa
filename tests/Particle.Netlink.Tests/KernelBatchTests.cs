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
