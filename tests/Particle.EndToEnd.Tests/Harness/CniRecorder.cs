using System.Text;
using System.Text.Json.Nodes;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>One plugin invocation as a runtime made it. Variables the runtime did not set are null.</summary>
public sealed record CniCall(string? Command, string? ContainerId, string? Netns, string? IfName, string? Args, string? Path,
    JsonObject? Config)
{
    public string? CniVersion => Config?["cniVersion"]?.GetValue<string>();

    /// <summary>The top-level keys of the config on stdin, in the order the runtime wrote them.</summary>
    public IEnumerable<string> ConfigKeys => Config?.Select(p => p.Key) ?? [];
}

/// <summary>
/// Puts the recording wrapper (Harness/record-cni.sh) where a runtime looks for the plugin, and reads back
/// what the runtime called it with: the facts docs/runtimes.md reports, observed rather than assumed.
/// </summary>
public sealed class CniRecorder(string logPath)
{
    private static readonly string Template = File.ReadAllText(Path.Combine(Repository.Root,
        "tests/Particle.EndToEnd.Tests/Harness/record-cni.sh"));

    public string LogPath => logPath;

    /// <summary>Writes the wrapper at <paramref name="path"/>, running the published plugin.</summary>
    public void InstallAs(string path)
    {
        File.WriteAllText(path, Template.Replace("@LOG@", logPath).Replace("@PLUGIN@", Binaries.Plugin));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    public List<CniCall> Calls()
    {
        if (!File.Exists(logPath))
            return [];
        return File.ReadAllLines(logPath).Where(l => l.Length > 0).Select(Parse).ToList();
    }

    /// <summary>A Markdown table of the calls, one row each, for the test output.</summary>
    public string Table(string runtime)
    {
        var table = new StringBuilder();
        table.AppendLine("| runtime | verb | CNI_CONTAINERID | CNI_NETNS | CNI_IFNAME | CNI_ARGS | config cniVersion | config keys |");
        table.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var call in Calls())
        {
            table.AppendLine($"| {runtime} | {call.Command} | {Shown(call.ContainerId)} | {Shown(call.Netns)} | {Shown(call.IfName)} | " +
                $"{Shown(call.Args)} | {call.CniVersion} | {string.Join(", ", call.ConfigKeys)} |");
        }
        return table.ToString();
    }

    private static string Shown(string? value) => value switch
    {
        null => "(unset)",
        "" => "(empty)",
        _ => $"`{value}`",
    };

    private static CniCall Parse(string line)
    {
        var fields = line.Split('\t', 7).Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f.Length > 1 ? f[1] : "");
        string? Get(string key) => fields.TryGetValue(key, out var v) && v != "<unset>" ? v : null;
        JsonObject? config = null;
        try
        {
            config = JsonNode.Parse(fields.GetValueOrDefault("stdin", ""))?.AsObject();
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return new CniCall(Get("CNI_COMMAND"), Get("CNI_CONTAINERID"), Get("CNI_NETNS"), Get("CNI_IFNAME"), Get("CNI_ARGS"),
            Get("CNI_PATH"), config);
    }
}
