using Particle.Protocol;

namespace Particle.Cni.Tests;

/// <summary>The exact result document per CNI version, through a whole ADD against a fake daemon.</summary>
public sealed class ResultFormatTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeDaemon _daemon;

    public ResultFormatTests()
    {
        _daemon = new FakeDaemon(_dir["d.sock"], _ => DaemonResponse.Success(Attachment()));
    }

    public void Dispose()
    {
        _daemon.Dispose();
        _dir.Dispose();
    }

    internal static AttachmentResult Attachment() => new()
    {
        Interfaces =
        [
            new() { Name = "veth1234", Mac = "aa:bb:cc:dd:ee:01", Mtu = 1450 },
            new() { Name = "eth0", Mac = "aa:bb:cc:dd:ee:02", Mtu = 1450, Sandbox = "/var/run/netns/cni-1" },
        ],
        Ips =
        [
            new() { Address = "10.1.0.5/16", Gateway = "10.1.0.1", Interface = 1 },
            new() { Address = "fd00::5/64", Gateway = "fd00::1", Interface = 1 },
        ],
        Routes =
        [
            new() { Dst = "0.0.0.0/0", Gw = "10.1.0.1", Mtu = 1400 },
            new() { Dst = "::/0", Gw = "fd00::1" },
        ],
        Dns = new() { Nameservers = ["10.1.0.1"], Search = ["svc.local"] },
    };

    private string Add(string version, string extra = "")
    {
        string socket = $"\"socket\":\"{_daemon.SocketPath}\"";
        var run = CniRun.Run(CniRun.Env("ADD"), CniRun.Conf(version, extra.Length == 0 ? socket : socket + "," + extra));
        run.Exit.Should().Be(0, run.Stdout);
        run.Stdout.Should().EndWith("\n");
        return run.Stdout.TrimEnd('\n');
    }

    /// <summary>JSON written with single quotes, for readable expectations.</summary>
    private static string J(string singleQuoted) => singleQuoted.Replace('\'', '"');

    private const string Dns = "'dns':{'nameservers':['10.1.0.1'],'search':['svc.local']}";

    [Fact]
    public void Version_1_1_0_has_mtu_fields()
    {
        Add("1.1.0").Should().Be(J(
            "{'cniVersion':'1.1.0','interfaces':[{'name':'veth1234','mac':'aa:bb:cc:dd:ee:01','mtu':1450}," +
            "{'name':'eth0','mac':'aa:bb:cc:dd:ee:02','mtu':1450,'sandbox':'/var/run/netns/cni-1'}]," +
            "'ips':[{'interface':1,'address':'10.1.0.5/16','gateway':'10.1.0.1'},{'interface':1,'address':'fd00::5/64','gateway':'fd00::1'}]," +
            "'routes':[{'dst':'0.0.0.0/0','gw':'10.1.0.1','mtu':1400},{'dst':'::/0','gw':'fd00::1'}]," + Dns + "}"));
    }

    [Fact]
    public void Version_1_0_0_has_no_ip_version_and_no_1_1_fields()
    {
        Add("1.0.0").Should().Be(J(
            "{'cniVersion':'1.0.0','interfaces':[{'name':'veth1234','mac':'aa:bb:cc:dd:ee:01'}," +
            "{'name':'eth0','mac':'aa:bb:cc:dd:ee:02','sandbox':'/var/run/netns/cni-1'}]," +
            "'ips':[{'interface':1,'address':'10.1.0.5/16','gateway':'10.1.0.1'},{'interface':1,'address':'fd00::5/64','gateway':'fd00::1'}]," +
            "'routes':[{'dst':'0.0.0.0/0','gw':'10.1.0.1'},{'dst':'::/0','gw':'fd00::1'}]," + Dns + "}"));
    }

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    public void Versions_0_3_to_0_4_carry_ip_version(string version)
    {
        Add(version).Should().Be(J(
            "{'cniVersion':'" + version + "','interfaces':[{'name':'veth1234','mac':'aa:bb:cc:dd:ee:01'}," +
            "{'name':'eth0','mac':'aa:bb:cc:dd:ee:02','sandbox':'/var/run/netns/cni-1'}]," +
            "'ips':[{'version':'4','interface':1,'address':'10.1.0.5/16','gateway':'10.1.0.1'},{'version':'6','interface':1,'address':'fd00::5/64','gateway':'fd00::1'}]," +
            "'routes':[{'dst':'0.0.0.0/0','gw':'10.1.0.1'},{'dst':'::/0','gw':'fd00::1'}]," + Dns + "}"));
    }

    [Theory]
    [InlineData("0.1.0")]
    [InlineData("0.2.0")]
    public void Versions_0_1_and_0_2_use_ip4_and_ip6(string version)
    {
        Add(version).Should().Be(J(
            "{'cniVersion':'" + version + "','ip4':{'ip':'10.1.0.5/16','gateway':'10.1.0.1','routes':[{'dst':'0.0.0.0/0','gw':'10.1.0.1'}]}," +
            "'ip6':{'ip':'fd00::5/64','gateway':'fd00::1','routes':[{'dst':'::/0','gw':'fd00::1'}]}," + Dns + "}"));
    }

    private static readonly string PrevResult100 = J(
        "'prevResult':{'cniVersion':'1.0.0','interfaces':[{'name':'br0','mac':'00:00:00:00:00:01'},{'name':'lo','sandbox':'/var/run/netns/cni-1'}]," +
        "'ips':[{'address':'192.168.0.2/24','interface':1}],'routes':[{'dst':'192.168.0.0/24'}],'dns':{'nameservers':['1.1.1.1','10.1.0.1'],'domain':'example'}}");

    [Fact]
    public void Chained_result_is_prevResult_then_ours_with_shifted_indices()
    {
        Add("1.0.0", PrevResult100).Should().Be(J(
            "{'cniVersion':'1.0.0','interfaces':[{'name':'br0','mac':'00:00:00:00:00:01'},{'name':'lo','sandbox':'/var/run/netns/cni-1'}," +
            "{'name':'veth1234','mac':'aa:bb:cc:dd:ee:01'},{'name':'eth0','mac':'aa:bb:cc:dd:ee:02','sandbox':'/var/run/netns/cni-1'}]," +
            "'ips':[{'interface':1,'address':'192.168.0.2/24'},{'interface':3,'address':'10.1.0.5/16','gateway':'10.1.0.1'},{'interface':3,'address':'fd00::5/64','gateway':'fd00::1'}]," +
            "'routes':[{'dst':'192.168.0.0/24'},{'dst':'0.0.0.0/0','gw':'10.1.0.1'},{'dst':'::/0','gw':'fd00::1'}]," +
            "'dns':{'nameservers':['1.1.1.1','10.1.0.1'],'domain':'example','search':['svc.local']}}"));
    }

    [Fact]
    public void Chained_prevResult_in_the_0_2_shape_is_understood()
    {
        string prev = J("'prevResult':{'cniVersion':'0.2.0','ip4':{'ip':'192.168.0.2/24','gateway':'192.168.0.1','routes':[{'dst':'192.168.1.0/24','gw':'192.168.0.1'}]}}");
        Add("0.4.0", prev).Should().Be(J(
            "{'cniVersion':'0.4.0','interfaces':[{'name':'veth1234','mac':'aa:bb:cc:dd:ee:01'}," +
            "{'name':'eth0','mac':'aa:bb:cc:dd:ee:02','sandbox':'/var/run/netns/cni-1'}]," +
            "'ips':[{'version':'4','address':'192.168.0.2/24','gateway':'192.168.0.1'}," +
            "{'version':'4','interface':1,'address':'10.1.0.5/16','gateway':'10.1.0.1'},{'version':'6','interface':1,'address':'fd00::5/64','gateway':'fd00::1'}]," +
            "'routes':[{'dst':'192.168.1.0/24','gw':'192.168.0.1'},{'dst':'0.0.0.0/0','gw':'10.1.0.1'},{'dst':'::/0','gw':'fd00::1'}]," + Dns + "}"));
    }

    [Fact]
    public void Chained_1_1_fields_of_prevResult_pass_through_for_1_1_only()
    {
        string prev = J(
            "'prevResult':{'interfaces':[{'name':'tap0','socketPath':'/run/vhost.sock','pciID':'0000:00:1f.0','mtu':9000}]," +
            "'routes':[{'dst':'10.9.0.0/16','advmss':1300,'priority':5,'table':0,'scope':253}]}");
        string v11 = Add("1.1.0", prev);
        v11.Should().StartWith(J("{'cniVersion':'1.1.0','interfaces':[{'name':'tap0','mtu':9000,'socketPath':'/run/vhost.sock','pciID':'0000:00:1f.0'},"));
        v11.Should().Contain(J("{'dst':'10.9.0.0/16','advmss':1300,'priority':5,'table':0,'scope':253}"));
        string v10 = Add("1.0.0", prev);
        v10.Should().StartWith(J("{'cniVersion':'1.0.0','interfaces':[{'name':'tap0'},"));
        v10.Should().Contain(J("{'dst':'10.9.0.0/16'},"));
    }

    [Fact]
    public void Empty_result_keeps_dns_object_only()
    {
        Cni.ResultFormatter.Format(new Cni.CniResult(), "1.0.0").Should()
            .Equal("""{"cniVersion":"1.0.0","dns":{}}"""u8.ToArray().Append((byte)'\n'));
    }
}
