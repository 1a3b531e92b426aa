using System.Net;
using Particle.Daemon.Ipam;

namespace Particle.Daemon.Tests.Ipam;

public class AddressPoolTests
{
    [Fact]
    public void Never_hands_out_network_gateway_or_broadcast()
    {
        var pool = new AddressPool(TestNetworks.Define(subnet: "10.77.0.0/29"));
        var taken = new List<IPAddress>();
        while (pool.TryTake(out var address))
            taken.Add(address);

        taken.Select(a => a.ToString()).Should().Equal("10.77.0.2", "10.77.0.3", "10.77.0.4", "10.77.0.5", "10.77.0.6");
        pool.Capacity.Should().Be(5);
        pool.Free.Should().Be(0);
    }

    [Fact]
    public void Skips_a_gateway_in_the_middle_of_the_range()
    {
        var pool = new AddressPool(TestNetworks.Define(subnet: "10.77.0.0/29", gateway: "10.77.0.3"));
        var taken = new List<string>();
        while (pool.TryTake(out var address))
            taken.Add(address.ToString());

        taken.Should().Equal("10.77.0.1", "10.77.0.2", "10.77.0.4", "10.77.0.5", "10.77.0.6");
    }

    [Fact]
    public void Honours_range_start_and_end()
    {
        var pool = new AddressPool(TestNetworks.Define(rangeStart: "10.77.0.100", rangeEnd: "10.77.0.102"));
        var taken = new List<string>();
        while (pool.TryTake(out var address))
            taken.Add(address.ToString());

        taken.Should().Equal("10.77.0.100", "10.77.0.101", "10.77.0.102");
    }

    [Fact]
    public void Does_not_reuse_a_released_address_before_going_round()
    {
        var pool = new AddressPool(TestNetworks.Define(subnet: "10.77.0.0/29"));
        pool.TryTake(out var first).Should().BeTrue();
        pool.Return(first);

        pool.TryTake(out var second).Should().BeTrue();

        second.Should().NotBe(first);
        pool.InUse.Should().Be(1);
    }

    [Fact]
    public void Marks_recovered_addresses_once_and_refuses_foreign_ones()
    {
        var pool = new AddressPool(TestNetworks.Define());

        pool.TryMark(IPAddress.Parse("10.77.0.9")).Should().BeTrue();
        pool.TryMark(IPAddress.Parse("10.77.0.9")).Should().BeFalse("an address cannot be held twice");
        pool.TryMark(IPAddress.Parse("10.77.0.1")).Should().BeFalse("the gateway is never assignable");
        pool.TryMark(IPAddress.Parse("10.78.0.9")).Should().BeFalse("the address is outside the subnet");
        pool.InUse.Should().Be(1);
    }
}
