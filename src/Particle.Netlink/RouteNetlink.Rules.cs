using System.Net.Sockets;
using Particle.Netlink.Wire;

namespace Particle.Netlink;

public sealed partial class RouteNetlink
{
    /// <inheritdoc cref="NetlinkBatch.AddRule"/>
    public void AddRule(FibRule rule) => Single(b => b.AddRule(rule));

    /// <inheritdoc cref="NetlinkBatch.DeleteRule"/>
    public void DeleteRule(FibRule rule) => Single(b => b.DeleteRule(rule));

    /// <summary>ip [-6] rule show</summary>
    public IReadOnlyList<FibRule> DumpRules(AddressFamily family = AddressFamily.InterNetwork)
    {
        byte af = family == AddressFamily.InterNetworkV6 ? (byte)10 : (byte)2;
        return Query<FibRule>(DumpRequest(Rtm.GETRULE, Fra.FibRuleHdrSize, af), "RTM_GETRULE", "dump", RuleParser.TryParse);
    }
}
