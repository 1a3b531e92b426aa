using System.Net;
using System.Text.Json;

namespace Particle.Netlink.Tests;

public sealed class KernelNeighbourFdbTests
{
    [Fact]
    public void Permanent_neighbours_set_replace_dump_delete()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateBridge("br0", up: true);
        int br = nl.GetLink("br0")!.Index;
        var neighbour = new Neighbour { Index = br, Address = IPAddress.Parse("10.2.0.7"), Mac = MacAddress.Parse("02:00:00:00:05:01") };

        nl.SetNeighbour(neighbour);
        nl.SetNeighbour(neighbour with { Mac = MacAddress.Parse("02:00:00:00:05:02") });

        JsonElement shown = ns.IpJson("neigh", "show", "dev", "br0")[0];
        shown.GetProperty("dst").GetString().Should().Be("10.2.0.7");
        shown.GetProperty("lladdr").GetString().Should().Be("02:00:00:00:05:02");
        shown.GetProperty("state").EnumerateArray().Select(s => s.GetString()).Should().Contain("PERMANENT");
        // The kernel may add entries of its own (an IGMP report to 224.0.0.22 once the bridge is up): only unicast ones count.
        nl.DumpNeighbours(br).Where(n => !IsMulticast(n.Address)).Should().ContainSingle()
            .Which.Should().Be(neighbour with { Mac = MacAddress.Parse("02:00:00:00:05:02") });

        var add = () => nl.SetNeighbour(neighbour, replace: false);
        add.Should().Throw<NetlinkException>().Which.IsExists.Should().BeTrue();

        nl.DeleteNeighbour(neighbour);
        // A deleted entry can linger as NUD_FAILED until garbage collection; it is no longer permanent.
        nl.DumpNeighbours(br).Should().NotContain(n => n.State == Wire.Nda.NUD_PERMANENT);
        var again = () => nl.DeleteNeighbour(neighbour);
        again.Should().Throw<NetlinkException>().Which.IsNotFound.Should().BeTrue();
    }

    [Fact]
    public void Vxlan_fdb_append_replace_dump_delete()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateVxlan(new VxlanSpec { Name = "vx0", Vni = 42, Port = 8472, Up = true });
        int vx = nl.GetLink("vx0")!.Index;
        var flood = new FdbEntry { Index = vx, Mac = MacAddress.Zero, Destination = IPAddress.Parse("192.0.2.2") };
        var vtep = new FdbEntry { Index = vx, Mac = MacAddress.Parse("02:00:00:00:06:01"), Destination = IPAddress.Parse("192.0.2.3") };

        nl.AppendFdb(flood);
        nl.AppendFdb(flood with { Destination = IPAddress.Parse("192.0.2.4") });
        nl.ReplaceFdb(vtep);
        nl.ReplaceFdb(vtep with { Destination = IPAddress.Parse("192.0.2.5"), Vni = 43 });

        JsonElement[] shown = ns.BridgeJson("fdb", "show", "dev", "vx0").EnumerateArray().ToArray();
        shown.Where(e => e.GetProperty("mac").GetString() == "00:00:00:00:00:00").Select(e => e.GetProperty("dst").GetString())
            .Should().BeEquivalentTo(["192.0.2.2", "192.0.2.4"]);
        JsonElement replaced = shown.Single(e => e.GetProperty("mac").GetString() == "02:00:00:00:06:01");
        replaced.GetProperty("dst").GetString().Should().Be("192.0.2.5");
        replaced.GetProperty("vni").GetInt32().Should().Be(43);

        IReadOnlyList<FdbEntry> dumped = nl.DumpFdb(vx);
        dumped.Should().Contain(flood);
        dumped.Should().Contain(vtep with { Destination = IPAddress.Parse("192.0.2.5"), Vni = 43 });

        nl.DeleteFdb(flood with { Destination = IPAddress.Parse("192.0.2.4") });
        nl.DeleteFdb(vtep with { Destination = null, Vni = null });
        nl.DumpFdb(vx).Where(e => e.Destination is not null).Should().BeEquivalentTo([flood]);
    }

    private static bool IsMulticast(System.Net.IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? (address.GetAddressBytes()[0] & 0xF0) == 0xE0
            : address.IsIPv6Multicast;
}
