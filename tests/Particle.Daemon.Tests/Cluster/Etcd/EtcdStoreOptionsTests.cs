using Particle.Daemon.Cluster;
using Particle.Daemon.Cluster.Etcd;

namespace Particle.Daemon.Tests.Cluster.Etcd;

public class EtcdStoreOptionsTests
{
    [Fact]
    public void DefaultsFillWhatTheConfigLeavesOut()
    {
        EtcdStoreOptions options = EtcdStoreOptions.From(["http://198.18.0.1:2379", "https://198.18.0.2:2379"], null, null);

        options.Endpoints.Should().Equal(new Uri("http://198.18.0.1:2379"), new Uri("https://198.18.0.2:2379"));
        options.Prefix.Should().Be("/particle");
        options.LeaseTtl.Should().Be(TimeSpan.FromSeconds(20));
    }

    [Theory]
    [InlineData(new string[0], "/particle", 20, "no endpoints")]
    [InlineData(new[] { "unix:///run/etcd.sock" }, "/particle", 20, "not an http:// or https:// URL")]
    [InlineData(new[] { "198.18.0.1:2379" }, "/particle", 20, "is not a URL (write http://HOST:2379)")]
    [InlineData(new[] { "not a url" }, "/particle", 20, "is not a URL")]
    [InlineData(new[] { "http://198.18.0.1:2379" }, "particle", 20, "must start with '/'")]
    [InlineData(new[] { "http://198.18.0.1:2379" }, "/particle/", 20, "not end with one")]
    [InlineData(new[] { "http://198.18.0.1:2379" }, "/particle", 1, "outside 2 s .. 1 h")]
    public void BadValuesAreNamed(string[] endpoints, string prefix, int ttl, string message)
    {
        Action make = () => EtcdStoreOptions.From(endpoints, prefix, ttl);

        make.Should().Throw<ClusterStoreException>().Which.Message.Should().Contain(message);
    }
}
