using System.Net;
using Particle.Daemon.Cluster;
using Particle.Daemon.Cluster.Etcd;

namespace Particle.Daemon.Tests.Cluster.Etcd;

public class SubnetPlanTests
{
    private static readonly SubnetPlan Plan = new("/particle", "pods", IPNetwork.Parse("10.244.0.0/16"), 24);

    [Fact]
    public void KeysNameTheSubnetUnderTheNetwork()
    {
        Plan.Key(IPNetwork.Parse("10.244.3.0/24")).Should().Be("/particle/networks/pods/subnets/10.244.3.0-24");
        SubnetPlan.ParseKey(Plan.KeyPrefix, "/particle/networks/pods/subnets/10.244.3.0-24").Should().Be(IPNetwork.Parse("10.244.3.0/24"));
    }

    [Theory]
    [InlineData("/particle/networks/other/subnets/10.244.3.0-24")]
    [InlineData("/particle/networks/pods/subnets/10.244.3.1-24")]
    [InlineData("/particle/networks/pods/subnets/10.244.3.0")]
    [InlineData("/particle/networks/pods/subnets/fd00::-64")]
    [InlineData("/particle/networks/pods/subnets/x-24")]
    public void ForeignKeysParseToNothing(string key) => SubnetPlan.ParseKey(Plan.KeyPrefix, key).Should().BeNull();

    [Fact]
    public void CandidatesCoverEveryFreeSubnetOnceAndSkipTakenOnes()
    {
        var small = new SubnetPlan("/p", "n", IPNetwork.Parse("10.9.0.0/22"), 24);
        var taken = new HashSet<IPNetwork> { IPNetwork.Parse("10.9.1.0/24") };
        small.FreeCandidates("node-a", "n", taken).Select(s => s.ToString()).Order()
            .Should().Equal("10.9.0.0/24", "10.9.2.0/24", "10.9.3.0/24");
        small.FreeCandidates("node-a", "n", taken).Should().Equal(small.FreeCandidates("node-a", "n", taken), "the order is deterministic");
    }

    [Fact]
    public void PrefixRangeEndIsThePrefixWithItsLastByteIncremented() =>
        SubnetPlan.PrefixRangeEnd("/a/"u8.ToArray()).Should().Equal("/a0"u8.ToArray());

    [Theory]
    [InlineData("10.244.0.0/16", 15)]
    [InlineData("10.244.0.0/16", 31)]
    [InlineData("10.0.0.0/8", 30)]
    [InlineData("fd00::/48", 64)]
    public void ImpossiblePlansAreRefused(string cidr, int length)
    {
        Action make = () => _ = new SubnetPlan("/p", "n", IPNetwork.Parse(cidr), length);
        make.Should().Throw<ClusterStoreException>();
    }
}
