using Particle.Daemon.Configuration;
using Particle.Daemon.Kernel;
using Particle.Netlink;

namespace Particle.Daemon.Metrics;

/// <summary>
/// What /readyz answers: ready once the state is loaded (journal replayed, recovery done, socket served), and
/// while every network's gateway device is present, up and carries its gateway, and every registered overlay reports
/// no problem. Checked afresh on each probe, with a netlink socket of its own.
/// </summary>
public sealed class Readiness(DaemonSettings settings, RouteNetlink node)
{
    private volatile bool _loaded;

    /// <summary>The node's firewall, once opened: a table that is missing or changed makes the node unready until housekeeping puts it back.</summary>
    public Firewall.NodeFirewall? Firewall { get; set; }

    /// <summary>Recovery is done and the socket serves requests.</summary>
    public void MarkLoaded() => _loaded = true;

    /// <summary>Every reason not to be ready; empty when ready.</summary>
    public List<string> Problems()
    {
        if (!_loaded)
            return ["state not loaded yet (recovery in progress)"];
        var problems = new List<string>();
        foreach (var network in settings.Networks.Values.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            string? problem;
            try
            {
                problem = GatewayDevice.Problem(node, network);
            }
            catch (NetlinkException e)
            {
                problem = $"cannot inspect gateway device {network.GatewayDevice}: {e.Message}";
            }
            if (problem is not null)
                problems.Add($"network \"{network.Name}\": {problem}");
        }
        if (Firewall?.Problem() is { } firewall)
            problems.Add($"firewall: {firewall}");
        foreach (var overlay in OverlayMetrics.All())
        {
            if (overlay.Problem is not null)
                problems.Add($"network \"{overlay.Network}\" overlay: {overlay.Problem}");
        }
        foreach (var problem in ClusterStoreMetrics.LeaseProblems())
            problems.Add($"cluster store: {problem}");
        return problems;
    }
}
