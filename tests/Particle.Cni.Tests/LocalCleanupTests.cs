using Particle.Protocol;
using Particle.Tests;

namespace Particle.Cni.Tests;

/// <summary>DEL's local fallback (particled unreachable) removes the veth particle made, and nothing else of that name.</summary>
public sealed class LocalCleanupTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TempNamespace _pod = new("prl");

    public void Dispose()
    {
        _pod.Dispose();
        _dir.Dispose();
    }

    private (int Exit, string Stdout) DelWithoutDaemon() =>
        CniRun.Run(CniRun.Env("DEL", ("CNI_NETNS", _pod.PathName)),
            CniRun.Conf("1.1.0", $"\"socket\":\"{_dir["absent.sock"]}\",\"stateDir\":\"{_dir["state"]}\""));

    [Theory]
    [InlineData("bridge")]
    [InlineData("vxlan")]
    [InlineData("macvlan")]
    public void A_link_of_another_kind_with_the_interface_name_is_left_alone(string kind)
    {
        string[] add = kind switch
        {
            "vxlan" => ["type", "vxlan", "id", "42", "dstport", "4789"],
            "macvlan" => ["link", "parent0", "type", "macvlan"],
            _ => ["type", kind],
        };
        if (kind == "macvlan")
            TempNamespace.Ip("-n", _pod.Name, "link", "add", "parent0", "type", "bridge");
        TempNamespace.Ip(["-n", _pod.Name, "link", "add", "eth0", .. add]);

        var run = DelWithoutDaemon();

        run.Exit.Should().Be(0, run.Stdout);
        _pod.IpJson("link", "show", "eth0").GetArrayLength().Should().Be(1, $"the {kind} named eth0 is not particle's");
        Directory.GetFiles(Path.Combine(_dir["state"], Defaults.PendingDeletesFolder)).Should().ContainSingle("the address is still released later");
    }

    [Fact]
    public void A_veth_with_the_interface_name_is_removed_with_its_peer()
    {
        TempNamespace.Ip("-n", _pod.Name, "link", "add", "eth0", "type", "veth", "peer", "name", "host0");

        DelWithoutDaemon().Exit.Should().Be(0);

        _pod.IpJson("link", "show").EnumerateArray().Select(l => l.GetProperty("ifname").GetString()).Should().Equal("lo");
    }

    [Fact]
    public void The_loopback_is_never_removed()
    {
        var run = CniRun.Run(CniRun.Env("DEL", ("CNI_NETNS", _pod.PathName), ("CNI_IFNAME", "lo")),
            CniRun.Conf("1.1.0", $"\"socket\":\"{_dir["absent.sock"]}\",\"stateDir\":\"{_dir["state"]}\""));

        run.Exit.Should().Be(0, run.Stdout);
        _pod.IpJson("link", "show", "lo").GetArrayLength().Should().Be(1);
    }
}
