using Particle.Ctl.Commands;
using Particle.Protocol;

namespace Particle.Ctl.Tests;

public class StatusTableTests
{
    [Fact]
    public void Prints_one_aligned_line_per_network_with_dashes_where_there_is_no_pool_or_overlay()
    {
        var table = StatusCommand.Table(
        [
            new NetworkStatusInfo
            {
                Name = "pods", Subnet = "10.88.0.0/16", Gateway = "10.88.0.1", GatewayInterface = "particle0", AddressesTotal = 65533, AddressesUsed = 40,
                NamespacePool = new NamespacePoolStatusInfo { Size = 32, Free = 30, Claimed = 8, Filling = 2 },
                Pools = [new PoolLevelInfo { Kind = "namespace", Free = 30, InUse = 8, Target = 32 }],
                RemoteNodes = 3,
            },
            new NetworkStatusInfo
            {
                Name = "batch", Subnet = "10.99.0.0/24", Gateway = "10.99.0.1", GatewayInterface = "pb0", AddressesTotal = 253,
                Problem = "gateway device pb0 does not exist",
            },
        ]);

        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(3);
        lines[0].Should().Be("NETWORK  SUBNET        GATEWAY IF  ADDR USED  ADDR FREE  POOL FREE  POOL IN USE  POOL TARGET  FILLING  REMOTE NODES  STATE      LAST ERROR");
        lines[1].Should().Be("pods     10.88.0.0/16  particle0   40         65493      30         8            32           2        3             ready      -");
        lines[2].Should().Be("batch    10.99.0.0/24  pb0         0          253        -          -            -            -        -             NOT READY  gateway device pb0 does not exist");
    }

    [Fact]
    public void Several_pool_kinds_are_listed_per_kind_and_an_older_daemon_without_pools_shows_its_namespace_pool()
    {
        var table = StatusCommand.Table(
        [
            new NetworkStatusInfo
            {
                Name = "pods", Subnet = "10.88.0.0/16", GatewayInterface = "particle0", AddressesTotal = 100, AddressesUsed = 10,
                Pools = [new PoolLevelInfo { Kind = "namespace", Free = 3, InUse = 1, Target = 4 }, new PoolLevelInfo { Kind = "endpoint", Free = 7, InUse = 2, Target = 8 }],
                LastError = "2026-01-01T00:00:00Z ADD failed",
            },
            new NetworkStatusInfo
            {
                Name = "old", Subnet = "10.99.0.0/24", GatewayInterface = "pb0", AddressesTotal = 253,
                NamespacePool = new NamespacePoolStatusInfo { Size = 4, Free = 2, Claimed = 1, LastError = "refill failed" },
            },
        ]);

        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[1].Should().Contain("namespace:3,endpoint:7").And.Contain("namespace:1,endpoint:2").And.Contain("namespace:4,endpoint:8")
            .And.EndWith("ready  2026-01-01T00:00:00Z ADD failed");
        lines[2].Should().MatchRegex(@"^old\s+10\.99\.0\.0/24\s+pb0\s+0\s+253\s+2\s+1\s+4\s+0\s+-\s+ready\s+refill failed$");
    }
}
