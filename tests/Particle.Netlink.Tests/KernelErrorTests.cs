using System.Net;
using Particle.Linux;

namespace Particle.Netlink.Tests;

public sealed class KernelErrorTests
{
    [Fact]
    public void Creating_an_existing_name_is_EEXIST()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateVeth(new VethSpec { Name = "pc1234", PeerName = "eth0" });

        var act = () => nl.CreateVeth(new VethSpec { Name = "pc1234", PeerName = "eth0" });

        var e = act.Should().Throw<NetlinkException>().Which;
        e.IsExists.Should().BeTrue();
        e.Errno.Should().Be(Errno.EEXIST);
        e.Operation.Should().Be("RTM_NEWLINK");
        e.Object.Should().Be("veth pc1234 (peer eth0)");
        e.Message.Should().StartWith("RTM_NEWLINK veth pc1234 (peer eth0): EEXIST (File exists)");
    }

    [Fact]
    public void Deleting_a_missing_link_is_not_found()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();

        var act = () => nl.DeleteLink(424242);

        act.Should().Throw<NetlinkException>().Which.IsNotFound.Should().BeTrue();
    }

    [Fact]
    public void Kernel_explanations_arrive_as_extended_ack()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateBridge("br0", up: true);
        int br = nl.GetLink("br0")!.Index;

        // The gateway is not on any connected subnet; the kernel says why in its extended ack.
        var act = () => nl.AddRoute(new Route { Destination = InterfaceAddress.Parse("10.5.0.0/16"), Gateway = IPAddress.Parse("192.0.2.1"), OutIndex = br });

        var e = act.Should().Throw<NetlinkException>().Which;
        e.Errno.Should().Be(Errno.ENETUNREACH);
        e.ExtAckMessage.Should().NotBeNullOrEmpty();
        e.Message.Should().EndWith(e.ExtAckMessage);
    }

    [Fact]
    public void Deleting_a_missing_address_and_route_is_not_found()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateBridge("br0", up: true);
        int br = nl.GetLink("br0")!.Index;

        var deleteAddress = () => nl.DeleteAddress(br, InterfaceAddress.Parse("10.6.0.1/24"));
        var deleteRoute = () => nl.DeleteRoute(new Route { Destination = InterfaceAddress.Parse("10.7.0.0/16"), OutIndex = br });

        deleteAddress.Should().Throw<NetlinkException>().Which.IsNotFound.Should().BeTrue();
        deleteRoute.Should().Throw<NetlinkException>().Which.IsNotFound.Should().BeTrue();
    }
}
