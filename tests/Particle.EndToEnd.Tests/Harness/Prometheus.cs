using System.Globalization;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>An HTTP answer from inside a node namespace (curl run there, as a Prometheus agent on the node would).</summary>
public sealed record HttpAnswer(int Status, string Body);

/// <summary>Reads particled's /metrics, /healthz and /readyz from inside the node namespace, and parses the text format.</summary>
public static class Prometheus
{
    public static HttpAnswer Get(string nodeNamespace, string url, string? host = null)
    {
        var args = new List<string> { "netns", "exec", nodeNamespace, "curl", "-s", "--max-time", "5", "-w", "\n%{http_code}" };
        if (host is not null)
            args.AddRange(["-H", $"Host: {host}"]);
        args.Add(url);
        var result = Shell.Run("ip", args);
        int split = result.Stdout.LastIndexOf('\n');
        int status = int.Parse(result.Stdout[(split + 1)..].Trim(), CultureInfo.InvariantCulture);
        return new HttpAnswer(status, result.Stdout[..Math.Max(split, 0)]);
    }

    /// <summary>Every sample of a scrape, keyed "name{k="v",...}" with the labels sorted by name.</summary>
    public static Dictionary<string, double> Scrape(string nodeNamespace, string address = "127.0.0.1:9651")
    {
        var answer = Get(nodeNamespace, $"http://{address}/metrics");
        if (answer.Status != 200)
            throw new InvalidOperationException($"scrape answered {answer.Status}: {answer.Body}");
        return Parse(answer.Body);
    }

    public static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            int space = line.LastIndexOf(' ');
            string series = line[..space];
            double value = double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
            samples[Key(series)] = value;
        }
        return samples;
    }

    /// <summary>A sample's value, 0 when the series does not exist (yet).</summary>
    public static double Value(this Dictionary<string, double> samples, string name, params (string Label, string Value)[] labels) =>
        samples.GetValueOrDefault(Key(name, labels));

    public static string Key(string name, params (string Label, string Value)[] labels) =>
        labels.Length == 0 ? name : $"{name}{{{string.Join(",", labels.OrderBy(l => l.Label, StringComparer.Ordinal).Select(l => $"{l.Label}=\"{l.Value}\""))}}}";

    private static string Key(string series)
    {
        int brace = series.IndexOf('{');
        if (brace < 0)
            return series;
        string name = series[..brace];
        var labels = series[(brace + 1)..^1].Split("\",", StringSplitOptions.RemoveEmptyEntries)
            .Select(pair =>
            {
                int eq = pair.IndexOf('=');
                return (pair[..eq], pair[(eq + 2)..].TrimEnd('"'));
            })
            .ToArray();
        return Key(name, labels);
    }
}
