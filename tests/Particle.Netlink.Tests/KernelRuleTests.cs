using System.Net.Sockets;
using Particle.Netlink.Wire;

namespace Particle.Netlink.Tests;

public sealed class KernelRuleTests
{
    [Fact]
    public void Rules_add_dump_delete()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        var lookup = new FibRule { Priority = 1000, Table = 10100, InputInterface = "br0", Protocol = 0x70 };
        var local = new FibRule { Priority = 1000, Table = 10100, InputInterface = "lo", Destination = InterfaceAddress.Parse("10.244.0.0/16"), Protocol = 0x70 };
        var prohibit = new FibRule { Priority = 1001, Action = Fra.FR_ACT_PROHIBIT, InputInterface = "br0", Protocol = 0x70 };

        nl.Batch().AddRule(lookup).AddRule(local).AddRule(prohibit).Commit();

        string shown = TempNamespace.Ip("-n", ns.Name, "rule", "show");
        // "[detached]": br0 does not exist (yet); a rule by name matches once an interface of that name appears.
        shown.Should().Contain("1000:\tfrom all iif br0 [detached] lookup 10100 proto 112")
            .And.Contain("1000:\tfrom all to 10.244.0.0/16 iif lo lookup 10100 proto 112")
            .And.Contain("1001:\tfrom all iif br0 [detached] prohibit proto 112");
        nl.DumpRules().Where(r => r.Protocol == 0x70).Should().Equal(lookup, local, prohibit);
        nl.DumpRules().Should().Contain(r => r.Priority == 32766 && r.Table == Rta.RT_TABLE_MAIN);

        var twice = () => nl.AddRule(lookup);
        twice.Should().Throw<NetlinkException>().Which.IsExists.Should().BeTrue();

        nl.DeleteRule(prohibit);
        nl.DeleteRule(local);
        nl.DumpRules(AddressFamily.InterNetwork).Where(r => r.Protocol == 0x70).Should().Equal(lookup);
        var again = () => nl.DeleteRule(local);
        again.Should().Throw<NetlinkException>().Which.IsNotFound.Should().BeTrue();
    }

    [Fact]
    public void Forwarding_is_set_per_device()
    {
        using var ns = new TempNamespace();
        using RouteNetlink nl = ns.OpenNetlink();
        nl.CreateBridge("br0", up: true);
        nl.CreateBridge("br1", up: true);

        nl.SetIpv4Forwarding(nl.GetLink("br0")!.Index, true);

        Sysctl(ns, "net.ipv4.conf.br0.forwarding").Should().Be("1");
        Sysctl(ns, "net.ipv4.conf.br1.forwarding").Should().Be("0");
        Sysctl(ns, "net.ipv4.ip_forward").Should().Be("0");
        nl.SetIpv4Forwarding(nl.GetLink("br0")!.Index, false);
        Sysctl(ns, "net.ipv4.conf.br0.forwarding").Should().Be("0");
    }

    private static string Sysctl(TempNamespace ns, string key) =>
        TempNamespace.Ip("netns", "exec", ns.Name, "sysctl", "-n", key).Trim();
}
