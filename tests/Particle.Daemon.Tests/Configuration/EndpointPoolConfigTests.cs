using Particle.Daemon.Configuration;

namespace Particle.Daemon.Tests.Configuration;

public class EndpointPoolConfigTests
{
    [Fact]
    public void Is_off_when_absent()
    {
        TestNetworks.Define().EndpointPool.Should().Be(EndpointPoolSettings.Off);
        TestNetworks.Define().EndpointPool.Enabled.Should().BeFalse();
    }

    [Fact]
    public void Takes_the_documented_defaults_when_the_section_is_empty()
    {
        Define(new EndpointPoolConfig()).EndpointPool.Should().Be(new EndpointPoolSettings(64, 16, 256, 16, TimeSpan.FromSeconds(300)),
            "the /22 below has room for the default max");
    }

    [Fact]
    public void Target_zero_turns_it_off()
    {
        Define(new EndpointPoolConfig { Target = 0, Min = 0, Max = 0 }).EndpointPool.Enabled.Should().BeFalse();
    }

    [Theory]
    [InlineData(-1, 0, 10, 1, 0, "endpointPool.target -1 is outside 0..65536")]
    [InlineData(8, -1, 10, 1, 0, "endpointPool.min -1 is outside 0..65536")]
    [InlineData(8, 0, 70000, 1, 0, "endpointPool.max 70000 is outside 0..65536")]
    [InlineData(8, 9, 10, 1, 0, "endpointPool.min 9 is larger than endpointPool.target 8")]
    [InlineData(8, 2, 4, 1, 0, "endpointPool.target 8 is larger than endpointPool.max 4")]
    [InlineData(8, 2, 2000, 1, 0, "endpointPool.max 2000 exceeds the 1022 addresses of the range")]
    [InlineData(8, 2, 10, 0, 0, "endpointPool.refillBatch 0 is outside 1..4096")]
    [InlineData(8, 2, 10, 5000, 0, "endpointPool.refillBatch 5000 is outside 1..4096")]
    [InlineData(8, 2, 10, 1, -1, "endpointPool.idleShrinkSeconds -1 is outside 0..86400 (0: never shrink)")]
    [InlineData(8, 2, 10, 1, 86401, "endpointPool.idleShrinkSeconds 86401 is outside 0..86400")]
    public void Rejects_bad_settings_with_a_clear_message(int target, int min, int max, int batch, int idle, string expected)
    {
        var act = () => Define(new EndpointPoolConfig { Target = target, Min = min, Max = max, RefillBatch = batch, IdleShrinkSeconds = idle });

        act.Should().Throw<ConfigException>().WithMessage($"network \"pods\": *{expected}*");
    }

    [Fact]
    public void The_namespace_pool_takes_its_addresses_first()
    {
        var act = () => NetworkDefinition.From(new NetworkConfig
        {
            Name = "pods", Subnet = "10.77.0.0/24", GatewayInterface = "pt0",
            NamespacePool = new NamespacePoolConfig { Size = 200 },
            EndpointPool = new EndpointPoolConfig { Target = 8, Min = 0, Max = 64 },
        });

        act.Should().Throw<ConfigException>().WithMessage("*endpointPool.max 64 exceeds the 54 addresses of the range (less the namespace pool's)*");
    }

    [Fact]
    public void Is_read_from_the_node_config_file_and_unknown_keys_are_refused()
    {
        using var dir = new TempDir();
        string good = dir.File("good.json");
        string typo = dir.File("typo.json");
        File.WriteAllText(good, Config("""{ "target": 32, "min": 8, "max": 128, "refillBatch": 32, "idleShrinkSeconds": 0 }"""));
        File.WriteAllText(typo, Config("""{ "targets": 32 }"""));

        DaemonSettings.Load(good).Networks["pods"].EndpointPool.Should().Be(new EndpointPoolSettings(32, 8, 128, 32, TimeSpan.Zero));
        var act = () => DaemonSettings.Load(typo);
        act.Should().Throw<ConfigException>().WithMessage("*targets*");
    }

    private static NetworkDefinition Define(EndpointPoolConfig pool) => NetworkDefinition.From(new NetworkConfig
    {
        Name = "pods", Subnet = "10.77.0.0/22", GatewayInterface = "pt0", EndpointPool = pool,
    });

    private static string Config(string pool) => $$"""
        { "stateDir": "/var/lib/particle", "networks": [ { "name": "pods", "subnet": "10.77.0.0/24", "endpointPool": {{pool}} } ] }
        """;
}
