using Particle.Ctl.Commands;
using Particle.Protocol;

namespace Particle.Ctl.Tests;

public class StatusTableTests
{
    [Fact]
    public void Prints_one_aligned_line_per_network_with_dashes_where_there_is_no_pool()
    {
        var table = StatusCommand.Table(
        [
            new NetworkStatusInfo
            {
                Name = "pods", Subnet = "10.88.0.0/16", Gateway = "10.88.0.1", Bridge = "particle0", AddressesTotal = 65533, AddressesUsed = 40,
                NamespacePool = new NamespacePoolStatusInfo { Size = 32, Free = 30, Claimed = 8, Filling = 2 },
            },
            new NetworkStatusInfo { Name = "batch", Subnet = "10.99.0.0/24", Gateway = "10.99.0.1", Bridge = "pb0", AddressesTotal = 253 },
        ]);

        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().HaveCount(3);
        lines[0].Should().StartWith("NETWORK  SUBNET        GATEWAY    BRIDGE     ADDR USED  ADDR FREE  POOL SIZE  POOL FREE  CLAIMED  FILLING  LAST ERROR");
        lines[1].Should().Be("pods     10.88.0.0/16  10.88.0.1  particle0  40         65493      32         30         8        2        -");
        lines[2].Should().Be("batch    10.99.0.0/24  10.99.0.1  pb0        0          253        -          -          -        -        -");
    }
}
