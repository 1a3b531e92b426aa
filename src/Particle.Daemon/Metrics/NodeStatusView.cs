using Particle.Daemon.Configuration;
using Particle.Daemon.Kernel;
using Particle.Netlink;
using Particle.Protocol;

namespace Particle.Daemon.Metrics;

/// <summary>
/// NODESTATUS as particlectl status shows it: the namespace pools' own figures, plus what the metrics see —
/// every registered pool's levels, the overlay's remote nodes, the network's problem and the last error event.
/// </summary>
public static class NodeStatusView
{
    public static DaemonResponse Enrich(DaemonResponse status, DaemonSettings settings, IPodDataPlane dataPlane)
    {
        var pools = PoolMetrics.AllLevels().ToList();
        var overlays = OverlayMetrics.All().ToList();
        foreach (var info in status.Networks ?? [])
        {
            info.Pools = pools.Where(p => p.Network == info.Name)
                .Select(p => new PoolLevelInfo { Kind = p.Kind, Free = p.Free, InUse = p.InUse, Target = p.Target })
                .ToList();
            if (overlays.FirstOrDefault(o => o.Network == info.Name) is { } overlay)
                info.RemoteNodes = overlay.RemoteNodes;
            if (settings.Networks.TryGetValue(info.Name, out var network))
                info.Problem = NetworkProblem(dataPlane, network);
            if (DaemonEvents.LastError(info.Name) is { } error)
                info.LastError = $"{DateTimeOffset.FromUnixTimeMilliseconds(error.TimeUnixMs):yyyy-MM-ddTHH:mm:ssZ} {error.Message}";
        }
        return status;
    }

    private static string? NetworkProblem(IPodDataPlane dataPlane, NetworkDefinition network)
    {
        try
        {
            return dataPlane.Problem(network);
        }
        catch (NetlinkException e)
        {
            return $"cannot inspect gateway device {network.GatewayDevice}: {e.Message}";
        }
    }
}
