using System.Net;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Tests.Configuration;

public class MetricsSettingsTests
{
    [Fact]
    public void Absent_means_on_at_loopback_9651()
    {
        MetricsSettings.From(null).Should().Be(new MetricsSettings(IPAddress.Loopback, 9651));
        MetricsSettings.From(new MetricsConfig()).Should().Be(new MetricsSettings(IPAddress.Loopback, 9651));
    }

    [Theory]
    [InlineData("0.0.0.0:9651", "0.0.0.0", 9651, true)]
    [InlineData("10.1.2.3:80", "10.1.2.3", 80, false)]
    [InlineData("127.0.0.2:1", "127.0.0.2", 1, false)]
    public void Parses_literal_addresses_with_a_port(string text, string address, int port, bool wildcard)
    {
        var settings = MetricsSettings.From(new MetricsConfig { Address = text })!;
        settings.Address.Should().Be(IPAddress.Parse(address));
        settings.Port.Should().Be(port);
        settings.IsWildcard.Should().Be(wildcard);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void An_empty_address_turns_metrics_off(string? address) =>
        MetricsSettings.From(new MetricsConfig { Address = address }).Should().BeNull();

    [Fact]
    public void Enabled_false_turns_metrics_off_whatever_the_address() =>
        MetricsSettings.From(new MetricsConfig { Address = "127.0.0.1:1", Enabled = false }).Should().BeNull();

    [Theory]
    [InlineData("localhost:9651")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:+80")]
    [InlineData("10.0.0:9651")]
    [InlineData("::1:9651")]
    [InlineData(":9651")]
    [InlineData("[::1]")]
    [InlineData("[::1]:9651")]
    [InlineData("[::]:9651")]
    [InlineData("127.0.0.1:9651:1")]
    public void Anything_else_is_refused_with_the_value_and_an_example(string address)
    {
        var act = () => MetricsSettings.From(new MetricsConfig { Address = address });
        act.Should().Throw<ConfigException>().WithMessage($"metrics.address \"{address}\" is not an address and port such as 127.0.0.1:9651*");
    }

    [Fact]
    public void The_node_config_carries_it()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("node.json"), """
            { "networks": [ { "name": "pods", "subnet": "10.77.0.0/24" } ], "metrics": { "address": "0.0.0.0:9000" } }
            """);
        DaemonSettings.Load(dir.File("node.json")).Metrics.Should().Be(new MetricsSettings(IPAddress.Any, 9000));
        File.WriteAllText(dir.File("typo.json"), """
            { "networks": [ { "name": "pods", "subnet": "10.77.0.0/24" } ], "metrics": { "adress": "0.0.0.0:9000" } }
            """);
        var typo = () => DaemonSettings.Load(dir.File("typo.json"));
        typo.Should().Throw<ConfigException>().WithMessage("*adress*");
    }
}
