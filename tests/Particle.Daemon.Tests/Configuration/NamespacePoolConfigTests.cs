using Particle.Daemon.Configuration;

namespace Particle.Daemon.Tests.Configuration;

public class NamespacePoolConfigTests
{
    [Fact]
    public void Is_off_when_absent()
    {
        var network = TestNetworks.Define();

        network.NamespacePool.Enabled.Should().BeFalse();
        network.NamespacePool.Size.Should().Be(0);
    }

    [Fact]
    public void Defaults_the_folder_and_trims_a_trailing_slash()
    {
        Define(new NamespacePoolConfig { Size = 8 }).NamespacePool.Should().Be(new NamespacePoolSettings(8, "/run/particle/netns"));
        Define(new NamespacePoolConfig { Size = 1, Folder = "/srv/pool/" }).NamespacePool.Folder.Should().Be("/srv/pool");
    }

    [Theory]
    [InlineData(-1, "/run/particle/netns", "namespacePool.size -1 is outside 0..4096")]
    [InlineData(4097, "/run/particle/netns", "namespacePool.size 4097 is outside 0..4096")]
    [InlineData(300, "/run/particle/netns", "namespacePool.size 300 exceeds the 254 addresses of the range")]
    [InlineData(4, "relative/netns", "namespacePool.folder must be an absolute path, got \"relative/netns\"")]
    [InlineData(4, "", "namespacePool.folder must be an absolute path")]
    [InlineData(4, "/", "namespacePool.folder must not be /")]
    public void Rejects_bad_settings_with_a_clear_message(int size, string folder, string expected)
    {
        var act = () => Define(new NamespacePoolConfig { Size = size, Folder = folder });

        act.Should().Throw<ConfigException>().WithMessage($"network \"pods\": *{expected}*");
    }

    [Fact]
    public void Is_read_from_the_node_config_file_and_unknown_keys_are_refused()
    {
        using var dir = new TempDir();
        string good = dir.File("good.json");
        string typo = dir.File("typo.json");
        File.WriteAllText(good, Config("""{ "size": 16, "folder": "/run/pool" }"""));
        File.WriteAllText(typo, Config("""{ "sise": 16 }"""));

        DaemonSettings.Load(good).Networks["pods"].NamespacePool.Should().Be(new NamespacePoolSettings(16, "/run/pool"));
        var act = () => DaemonSettings.Load(typo);
        act.Should().Throw<ConfigException>().WithMessage("*sise*");
    }

    private static NetworkDefinition Define(NamespacePoolConfig pool) => NetworkDefinition.From(new NetworkConfig
    {
        Name = "pods", Subnet = "10.77.0.0/24", GatewayInterface = "pt0", NamespacePool = pool,
    });

    private static string Config(string pool) => $$"""
        { "stateDir": "/var/lib/particle", "networks": [ { "name": "pods", "subnet": "10.77.0.0/24", "namespacePool": {{pool}} } ] }
        """;
}
