using System.CommandLine;
using System.Text.Json;
using Particle.Protocol;

namespace Particle.Ctl.Commands;

/// <summary><c>particlectl events [--since N] [--follow] [--json]</c>: particled's recent pool, overlay and attachment events.</summary>
public sealed class EventsCommand : CtlCommand
{
    private readonly Option<long> _since = new("--since") { Description = "Only events after this sequence number." };
    private readonly Option<bool> _follow = new("--follow", "-f") { Description = "Keep asking for new events until Ctrl-C (or --count polls)." };
    private readonly Option<bool> _json = new("--json") { Description = "One JSON object per event and line." };
    private readonly Option<string?> _network = new("--network", "-n") { Description = "Only events of this network." };
    private readonly Option<double> _interval = Refresh.IntervalOption();
    private readonly Option<int?> _count = Refresh.CountOption();

    public EventsCommand() : base("events", "Recent events of particled (pool refills and claims, bridge repairs, attachments, overlay), oldest first.")
    {
        Options.Add(_since);
        Options.Add(_follow);
        Options.Add(_json);
        Options.Add(_network);
        Options.Add(_interval);
        Options.Add(_count);
    }

    protected override int Run(ParseResult result)
    {
        long since = result.GetValue(_since);
        if (!result.GetValue(_follow))
            return Print(result, ref since);
        if (Refresh.Validate(result.GetValue(_interval), result.GetValue(_count)) is { } error)
            return Refresh.Refuse(error);
        return Refresh.Loop(result.GetValue(_interval), result.GetValue(_count), () => Print(result, ref since));
    }

    private int Print(ParseResult result, ref long since)
    {
        var response = Ask(result, new DaemonRequest { Verb = Verbs.Events, Since = since }, out int code);
        if (response is null)
            return code;
        string? network = result.GetValue(_network);
        bool json = result.GetValue(_json);
        foreach (var e in response.Events ?? [])
        {
            if (network is not null && e.Network != network)
                continue;
            Console.Out.WriteLine(json ? JsonSerializer.Serialize(e, CtlJsonContext.Compact.EventInfo) : Line(e));
        }
        Console.Out.Flush();
        since = response.LastSequence ?? since;
        return ExitCodes.Ok;
    }

    public static string Line(EventInfo e) =>
        $"{DateTimeOffset.FromUnixTimeMilliseconds(e.TimeUnixMs):yyyy-MM-ddTHH:mm:ss.fffZ}  #{e.Sequence}  {e.Kind}  {e.Network ?? "-"}  " +
        $"{e.Subject ?? "-"}  {(e.Error ? "ERROR " : "")}{e.Message}";
}
