using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Particle.Protocol;

namespace Particle.Ctl.Commands;

/// <summary><c>particlectl status [--json] [--watch [--interval S] [--count N]]</c>: addresses, pools and health per network.</summary>
public sealed class StatusCommand : CtlCommand
{
    private readonly Option<bool> _json = new("--json") { Description = "Print JSON instead of a table (one line per refresh with --watch)." };
    private readonly Option<bool> _watch = new("--watch", "-w") { Description = "Refresh until Ctrl-C (or --count refreshes)." };
    private readonly Option<double> _interval = Refresh.IntervalOption();
    private readonly Option<int?> _count = Refresh.CountOption();

    public StatusCommand() : base("status", "Per network: subnet, addresses used and free, pool levels, remote nodes, state and last error.")
    {
        Options.Add(_json);
        Options.Add(_watch);
        Options.Add(_interval);
        Options.Add(_count);
    }

    protected override int Run(ParseResult result)
    {
        bool json = result.GetValue(_json);
        if (!result.GetValue(_watch))
            return Once(result, json, compact: false);
        if (Refresh.Validate(result.GetValue(_interval), result.GetValue(_count)) is { } error)
            return Refresh.Refuse(error);
        return Refresh.Loop(result.GetValue(_interval), result.GetValue(_count), () =>
        {
            if (!json)
                Console.Out.Write($"{Refresh.ClearScreen}particlectl status  {DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}  (every {result.GetValue(_interval)} s, Ctrl-C to stop)\n\n");
            return Once(result, json, compact: true);
        });
    }

    private int Once(ParseResult result, bool json, bool compact)
    {
        var response = Ask(result, new DaemonRequest { Verb = Verbs.NodeStatus }, out int code);
        if (response is null)
            return code;
        var networks = response.Networks ?? [];
        var context = compact ? CtlJsonContext.Compact : CtlJsonContext.Default;
        Console.Out.Write(json
            ? JsonSerializer.Serialize(networks, context.ListNetworkStatusInfo) + "\n"
            : Table(networks));
        Console.Out.Flush();
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Fixed columns, one line per network; "-" where a network has no pool or no overlay. With several pool
    /// kinds a pool cell lists each ("namespace:30,endpoint:12").
    /// </summary>
    public static string Table(IReadOnlyList<NetworkStatusInfo> networks)
    {
        string[] header = ["NETWORK", "SUBNET", "GATEWAY IF", "ADDR USED", "ADDR FREE", "POOL FREE", "POOL IN USE", "POOL TARGET", "FILLING",
            "REMOTE NODES", "STATE", "LAST ERROR"];
        var rows = new List<string[]> { header };
        foreach (var n in networks)
        {
            var pools = LevelsOf(n);
            rows.Add([
                n.Name, n.Subnet, n.GatewayInterface,
                Number(n.AddressesUsed), Number(n.AddressesTotal - n.AddressesUsed),
                PoolCell(pools, p => p.Free), PoolCell(pools, p => p.InUse), PoolCell(pools, p => p.Target),
                n.NamespacePool is null ? "-" : Number(n.NamespacePool.Filling),
                n.RemoteNodes is null ? "-" : Number(n.RemoteNodes.Value),
                n.Problem is null ? "ready" : "NOT READY",
                n.Problem ?? n.LastError ?? n.NamespacePool?.LastError ?? "-",
            ]);
        }
        var widths = Enumerable.Range(0, header.Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        return text.ToString();
    }

    /// <summary>The daemon's pool list; from a daemon that predates it, the namespace pool alone.</summary>
    private static List<PoolLevelInfo> LevelsOf(NetworkStatusInfo n) =>
        n.Pools ?? (n.NamespacePool is { } ns
            ? [new PoolLevelInfo { Kind = "namespace", Free = ns.Free, InUse = ns.Claimed, Target = ns.Size }]
            : []);

    private static string PoolCell(List<PoolLevelInfo> pools, Func<PoolLevelInfo, int> figure) => pools.Count switch
    {
        0 => "-",
        1 => Number(figure(pools[0])),
        _ => string.Join(",", pools.Select(p => $"{p.Kind}:{Number(figure(p))}")),
    };

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
