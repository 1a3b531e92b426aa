using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Particle.Protocol;

namespace Particle.Ctl.Commands;

/// <summary><c>particlectl status [--json]</c>: addresses and namespace pool per network.</summary>
public sealed class StatusCommand : CtlCommand
{
    private readonly Option<bool> _json = new("--json") { Description = "Print JSON instead of a table." };

    public StatusCommand() : base("status", "Per network: subnet, addresses used and free, namespace pool size, free and claimed.") =>
        Options.Add(_json);

    protected override int Run(ParseResult result)
    {
        var response = Ask(result, new DaemonRequest { Verb = Verbs.NodeStatus }, out int code);
        if (response is null)
            return code;
        var networks = response.Networks ?? [];
        Console.Out.Write(result.GetValue(_json)
            ? JsonSerializer.Serialize(networks, CtlJsonContext.Default.ListNetworkStatusInfo) + "\n"
            : Table(networks));
        return ExitCodes.Ok;
    }

    /// <summary>Fixed columns, one line per network; "-" where a network has no pool.</summary>
    public static string Table(IReadOnlyList<NetworkStatusInfo> networks)
    {
        string[] header = ["NETWORK", "SUBNET", "GATEWAY", "BRIDGE", "ADDR USED", "ADDR FREE", "POOL SIZE", "POOL FREE", "CLAIMED", "FILLING", "LAST ERROR"];
        var rows = new List<string[]> { header };
        foreach (var n in networks)
        {
            var pool = n.NamespacePool;
            rows.Add([
                n.Name, n.Subnet, n.Gateway, n.Bridge,
                Number(n.AddressesUsed), Number(n.AddressesTotal - n.AddressesUsed),
                pool is null ? "-" : Number(pool.Size), pool is null ? "-" : Number(pool.Free),
                pool is null ? "-" : Number(pool.Claimed), pool is null ? "-" : Number(pool.Filling),
                pool?.LastError ?? "-",
            ]);
        }
        var widths = Enumerable.Range(0, header.Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
            text.AppendLine(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        return text.ToString();
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
