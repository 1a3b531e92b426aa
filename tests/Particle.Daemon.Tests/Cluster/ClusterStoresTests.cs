using Microsoft.Extensions.Logging.Abstractions;
using Particle.Daemon.Cluster;
using Particle.Daemon.Cluster.Etcd;
using Particle.Daemon.Cluster.Kubernetes;
using Particle.Daemon.Configuration;

namespace Particle.Daemon.Tests.Cluster;

public class ClusterStoresTests
{
    private static ClusterSettings Settings(string section, Func<string, string?>? environment = null) =>
        ClusterSettings.From(System.Text.Json.JsonSerializer.Deserialize(
            $$"""{ "nodeName": "n1", "underlayAddress": "198.18.0.1", {{section}} }""", ConfigJsonContext.Default.ClusterConfig)!, environment);

    [Fact]
    public async Task EtcdSettingsBuildAnEtcdStoreWithTheirEndpointsPrefixAndTtl()
    {
        var settings = Settings("""
            "backend": "etcd", "etcd": { "endpoints": ["http://198.18.0.100:2379", "https://etcd-2:2379"], "prefix": "/tenants", "leaseTtlSeconds": 7 }
            """);

        var options = ClusterStores.EtcdOptions(settings.Etcd!);
        await using var store = ClusterStores.Create(settings, NullLoggerFactory.Instance);

        store.Should().BeOfType<EtcdClusterStore>();
        options.Endpoints.Select(e => e.ToString()).Should().Equal("http://198.18.0.100:2379/", "https://etcd-2:2379/");
        options.Prefix.Should().Be("/tenants");
        options.LeaseTtl.Should().Be(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public void KubernetesSettingsKeepTheNodeNameAndTheFilesGiven()
    {
        var settings = Settings("""
            "backend": "kubernetes", "kubernetes": { "nodeName": "worker-7", "apiServer": "https://10.96.0.1:443", "tokenFile": "/tmp/t", "caFile": "/tmp/c" }
            """);

        var options = ClusterStores.KubernetesOptions(settings.Kubernetes!);

        options.Should().Be(new KubernetesStoreOptions(new Uri("https://10.96.0.1:443"), "worker-7", "/tmp/t", "/tmp/c"));
    }

    [Fact]
    public void AKubernetesStoreThatCannotBeBuiltIsAConfigError()
    {
        var plain = Settings("""
            "backend": "kubernetes", "kubernetes": { "apiServer": "http://10.96.0.1:80" }
            """);
        var noCa = Settings($$"""
            "backend": "kubernetes", "kubernetes": { "apiServer": "https://10.96.0.1:443", "caFile": "/nonexistent/{{Guid.NewGuid():N}}/ca.crt" }
            """);

        FluentActions.Invoking(() => ClusterStores.Create(plain, NullLoggerFactory.Instance))
            .Should().Throw<ConfigException>().WithMessage("*https://*");
        FluentActions.Invoking(() => ClusterStores.Create(noCa, NullLoggerFactory.Instance))
            .Should().Throw<ConfigException>().WithMessage("*CA bundle*");
    }

    [Fact]
    public void AnEtcdKeyFileOthersCanReadIsAConfigError()
    {
        using var pki = new TestPki();
        PemPair ca = pki.Authority("ca");
        PemPair client = pki.Issue(ca, "node", "DNS:node", usage: "clientAuth");
        File.SetUnixFileMode(client.Key, (UnixFileMode)0x1A4);   // 0644
        var settings = Settings($$"""
            "backend": "etcd", "etcd": { "endpoints": ["https://198.18.0.100:2379"], "caFile": "{{ca.Cert}}", "certFile": "{{client.Cert}}", "keyFile": "{{client.Key}}" }
            """);

        FluentActions.Invoking(() => ClusterStores.Create(settings, NullLoggerFactory.Instance))
            .Should().Throw<ConfigException>().WithMessage($"cluster: etcd.keyFile {client.Key} may be read by others (mode 0644, owner uid 0)*");
    }

    [Fact]
    public void UnderKubernetesNodeNameAndUnderlayComeFromThePodWhenLeftOut()
    {
        var pod = new Dictionary<string, string> { ["NODE_NAME"] = "worker-2", ["HOST_IP"] = "192.0.2.7" };
        var config = System.Text.Json.JsonSerializer.Deserialize("""{ "backend": "kubernetes" }""", ConfigJsonContext.Default.ClusterConfig)!;

        var settings = ClusterSettings.From(config, name => pod.GetValueOrDefault(name));

        settings.NodeName.Should().Be("worker-2");
        settings.Kubernetes!.NodeName.Should().Be("worker-2");
        settings.UnderlayAddress!.ToString().Should().Be("192.0.2.7");
        // Other backends never read the environment: a node's identity is in its own config there.
        FluentActions.Invoking(() => ClusterSettings.From(
                System.Text.Json.JsonSerializer.Deserialize("""{ "backend": "etcd", "etcd": { "endpoints": ["http://198.18.0.100:2379"] } }""", ConfigJsonContext.Default.ClusterConfig)!,
                name => pod.GetValueOrDefault(name)))
            .Should().Throw<ConfigException>().WithMessage("*nodeName*");
    }
}
