using Microsoft.Extensions.Logging;
using Particle.Daemon.Configuration;
using Particle.Linux;

namespace Particle.Daemon.Firewall;

/// <summary>
/// Keeps particled's nftables table (<see cref="FirewallRuleset"/>) in place: applied whole in one
/// transaction at start, checked by housekeeping and put back when someone flushed or changed it. The
/// table follows the configuration, never the pods, so no request waits for it.
/// </summary>
public sealed class NodeFirewall(Nftables nft, ILogger log) : IDisposable
{
    private string? _script;
    private string? _applied;

    /// <summary>Opens libnftables in the daemon's namespace; a missing library or kernel support is one clear start-up error.</summary>
    public static NodeFirewall Open(ILogger log) => new(Nftables.Open(), log);

    /// <summary>Replaces the table with the one <paramref name="settings"/> call for.</summary>
    public void Apply(DaemonSettings settings)
    {
        _script = FirewallRuleset.Render(settings.Networks.Values.ToList(), settings.Overlays.Select(o => o.Port).Distinct().ToList());
        nft.Run(_script);
        _applied = nft.ListTable(FirewallRuleset.Family, FirewallRuleset.Table);
        log.LogInformation("firewall: table {Family} {Table} applied ({Networks} network(s): isolation, node services, egress)",
            FirewallRuleset.Family, FirewallRuleset.Table, settings.Networks.Count);
    }

    /// <summary>Why the table is not what was applied; null when it is.</summary>
    public string? Problem()
    {
        if (_script is null)
            return "not applied yet";
        try
        {
            if (!nft.TableExists(FirewallRuleset.Family, FirewallRuleset.Table))
                return $"table {FirewallRuleset.Family} {FirewallRuleset.Table} is missing";
            return nft.ListTable(FirewallRuleset.Family, FirewallRuleset.Table) == _applied ? null
                : $"table {FirewallRuleset.Family} {FirewallRuleset.Table} was changed by someone else";
        }
        catch (NftablesException e)
        {
            return $"cannot list table {FirewallRuleset.Family} {FirewallRuleset.Table}: {e.Message}";
        }
    }

    /// <summary>Housekeeping: puts the table back when it drifted; true when it had to.</summary>
    public bool Reconcile()
    {
        if (_script is null || Problem() is not { } problem)
            return false;
        nft.Run(_script);
        _applied = nft.ListTable(FirewallRuleset.Family, FirewallRuleset.Table);
        log.LogWarning("firewall: {Problem}; applied again", problem);
        return true;
    }

    public void Dispose() => nft.Dispose();
}
