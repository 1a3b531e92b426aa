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
    [InlineData("bridge-name-too-long")]
    [InlineData("br/0")]
    [InlineData("br 0")]
    public void Rejects_bad_bridge_names(string bridge)
    {
        var act = () => NetworkDefinition.From(new NetworkConfig { Name = "n", Subnet = "10.1.0.0/24", Bridge = bridge });

        act.Should().Throw<ConfigException>().WithMessage("*bridge*");
    }

    [Fact]
    public void Settings_reject_overlapping_networks_and_shared_bridges()
    {
        var overlapping = new NodeConfig
        {
            Networks =
            [
                new NetworkConfig { Name = "a", Subnet = "10.1.0.0/16", Bridge = "a0" },
                new NetworkConfig { Name = "b", Subnet = "10.1.5.0/24", Bridge = "b0" },
            ],
        };
        var sharedBridge = new NodeConfig
        {
            Networks =
            [
                new NetworkConfig { Name = "a", Subnet = "10.1.0.0/16", Bridge = "x0" },
                new NetworkConfig { Name = "b", Subnet = "10.2.0.0/16", Bridge = "x0" },
            ],
        };

        FluentActions.Invoking(() => DaemonSettings.From(overlapping)).Should().Throw<ConfigException>().WithMessage("*overlapping*");
        FluentActions.Invoking(() => DaemonSettings.From(sharedBridge)).Should().Throw<ConfigException>().WithMessage("*same bridge x0*");
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
