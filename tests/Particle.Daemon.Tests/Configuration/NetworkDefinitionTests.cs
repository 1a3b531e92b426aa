using System.Net;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Tests.Configuration;

public class NetworkDefinitionTests
{
    [Fact]
    public void Fills_in_gateway_and_range_from_the_subnet()
    {
        var network = TestNetworks.Define(subnet: "10.88.0.0/16");

        network.Gateway.ToString().Should().Be("10.88.0.1");
        network.Range.First.ToString().Should().Be("10.88.0.1");
        network.Range.Last.ToString().Should().Be("10.88.255.254");
    }

    [Theory]
    [InlineData("10.88.0.5/16", null, null, "not a CIDR with no host bits")]
    [InlineData("fd00::/64", null, null, "only IPv4")]
    [InlineData("10.88.0.0/31", null, null, "too small")]
    [InlineData("10.88.0.0/24", "10.89.0.1", null, "gateway 10.89.0.1 is not a host address")]
    [InlineData("10.88.0.0/24", "10.88.0.255", null, "not a host address")]
    [InlineData("10.88.0.0/24", null, "10.88.0.300", "rangeStart \"10.88.0.300\" is not an IPv4 address")]
    public void Rejects_bad_addresses_with_a_clear_message(string subnet, string? gateway, string? rangeStart, string expected)
    {
        var act = () => TestNetworks.Define(subnet: subnet, gateway: gateway, rangeStart: rangeStart);

        act.Should().Throw<ConfigException>().WithMessage($"*{expected}*");
    }

    [Fact]
    public void Rejects_a_reversed_range()
    {
        var act = () => TestNetworks.Define(rangeStart: "10.77.0.50", rangeEnd: "10.77.0.40");

        act.Should().Throw<ConfigException>().WithMessage("*rangeStart 10.77.0.50 is after rangeEnd 10.77.0.40*");
    }

    [Theory]
    [InlineData("")]
    [InlineData("device-name-too-long")]
    [InlineData("gw/0")]
    [InlineData("gw 0")]
    public void Rejects_bad_gateway_interface_names(string name)
    {
        var act = () => NetworkDefinition.From(new NetworkConfig { Name = "n", Subnet = "10.1.0.0/24", GatewayInterface = name });

        act.Should().Throw<ConfigException>().WithMessage("*gatewayInterface*");
    }

    [Fact]
    public void The_bridge_key_of_earlier_releases_names_the_gateway_interface_and_must_agree_with_it()
    {
        NetworkDefinition.From(new NetworkConfig { Name = "n", Subnet = "10.1.0.0/24", Bridge = "old0" }).GatewayDevice.Should().Be("old0");
        NetworkDefinition.From(new NetworkConfig { Name = "n", Subnet = "10.1.0.0/24", Bridge = "x0", GatewayInterface = "x0" }).GatewayDevice.Should().Be("x0");
        NetworkDefinition.From(new NetworkConfig { Name = "n", Subnet = "10.1.0.0/24" }).GatewayDevice.Should().Be("particle0");

        var act = () => NetworkDefinition.From(new NetworkConfig { Name = "n", Subnet = "10.1.0.0/24", Bridge = "a0", GatewayInterface = "b0" });
        act.Should().Throw<ConfigException>().WithMessage("*gatewayInterface \"b0\" and bridge \"a0\" differ*");
    }

    [Fact]
    public void Egress_masquerades_by_default_and_takes_non_masquerade_cidrs()
    {
        var plain = NetworkDefinition.From(new NetworkConfig { Name = "n", Subnet = "10.1.0.0/24" });
        plain.Egress.Masquerade.Should().BeTrue();
        plain.Egress.NonMasquerade.Should().BeEmpty();
        plain.NodeServices.Should().Be(NodeServices.All);
        plain.AddressSpace.Should().Be(IPNetwork.Parse("10.1.0.0/24"));

        var routed = NetworkDefinition.From(new NetworkConfig
        {
            Name = "n", Subnet = "10.1.0.0/24", IpMasq = false, NonMasqueradeCidrs = ["192.168.0.0/16", "172.16.0.0/12"],
            NodeServices = ["udp/53", "tcp/53", "icmp", "udp/53"],
        });
        routed.Egress.Masquerade.Should().BeFalse();
        routed.Egress.NonMasquerade.Should().Equal(IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("172.16.0.0/12"));
        routed.NodeServices.AllowAll.Should().BeFalse();
        routed.NodeServices.Ports.Select(p => p.ToString()).Should().Equal("udp/53", "tcp/53", "icmp");
        NetworkDefinition.From(new NetworkConfig { Name = "n", Subnet = "10.1.0.0/24", NodeServices = ["*"] }).NodeServices.Should().Be(NodeServices.All);
    }

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp/0")]
    [InlineData("tcp/65536")]
    [InlineData("gre/1")]
    [InlineData("tcp/+53")]
    [InlineData("")]
    public void Rejects_bad_node_services(string entry)
    {
        var act = () => NetworkDefinition.From(new NetworkConfig { Name = "n", Subnet = "10.1.0.0/24", NodeServices = [entry] });

        act.Should().Throw<ConfigException>().WithMessage($"*nodeServices entry \"{entry}\"*");
    }

    [Theory]
    [InlineData("10.0.0.1/8")]
    [InlineData("not-a-cidr")]
    [InlineData("fd00::/8")]
    public void Rejects_bad_non_masquerade_cidrs(string cidr)
    {
        var act = () => NetworkDefinition.From(new NetworkConfig { Name = "n", Subnet = "10.1.0.0/24", NonMasqueradeCidrs = [cidr] });

        act.Should().Throw<ConfigException>().WithMessage("*nonMasqueradeCidrs*");
    }

    [Fact]
    public void Settings_reject_overlapping_networks_and_shared_gateway_interfaces()
    {
        var overlapping = new NodeConfig
        {
            Networks =
            [
                new NetworkConfig { Name = "a", Subnet = "10.1.0.0/16", GatewayInterface = "a0" },
                new NetworkConfig { Name = "b", Subnet = "10.1.5.0/24", GatewayInterface = "b0" },
            ],
        };
        var shared = new NodeConfig
        {
            Networks =
            [
                new NetworkConfig { Name = "a", Subnet = "10.1.0.0/16", GatewayInterface = "x0" },
                new NetworkConfig { Name = "b", Subnet = "10.2.0.0/16", Bridge = "x0" },
            ],
        };

        FluentActions.Invoking(() => DaemonSettings.From(overlapping)).Should().Throw<ConfigException>().WithMessage("*overlapping*");
        FluentActions.Invoking(() => DaemonSettings.From(shared)).Should().Throw<ConfigException>().WithMessage("*same gatewayInterface x0*");
    }

    [Fact]
    public void Settings_load_reports_unknown_keys_and_bad_json_with_the_path()
    {
        using var dir = new TempDir();
        var path = dir.File("node.json");
        File.WriteAllText(path, """{ "networks": [ { "name": "a", "subnet": "10.1.0.0/16", "brdige": "a0" } ] }""");

        FluentActions.Invoking(() => DaemonSettings.Load(path)).Should().Throw<ConfigException>()
            .WithMessage($"*{path}*brdige*");
        FluentActions.Invoking(() => DaemonSettings.Load(dir.File("missing.json"))).Should().Throw<ConfigException>()
            .WithMessage("*cannot read config file*");
    }
}

public class SampleConfigTests
{
    [Fact]
    public void The_sample_node_config_loads_and_matches_the_sample_conflist()
    {
        var confDir = Path.Combine(TestNetworks.RepositoryRoot, "cni-conf");

        var settings = DaemonSettings.Load(Path.Combine(confDir, "particled.json"));
        using var conflist = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(confDir, "10-particle.conflist")));

        var name = conflist.RootElement.GetProperty("name").GetString()!;
        settings.Networks.Should().ContainKey(name);
        var plugin = conflist.RootElement.GetProperty("plugins")[0];
        plugin.GetProperty("socket").GetString().Should().Be(settings.SocketPath);
        plugin.GetProperty("stateDir").GetString().Should().Be(settings.StateDir);
    }
}
