using System.Diagnostics.CodeAnalysis;

namespace Particle.Cni;

/// <summary>
/// CNI_ARGS, "K=V;K2=V2". Parsed like libcni's types.LoadArgs: every pair needs exactly one '=', and a
/// key the plugin does not know is an error unless IgnoreUnknown is true (runtimes always send it).
/// </summary>
internal static class CniArgs
{
    public const string IgnoreUnknown = "IgnoreUnknown";

    /// <summary>The keys that mean something here; all but IgnoreUnknown are forwarded to the daemon.</summary>
    private static readonly string[] Forwarded =
        ["K8S_POD_NAMESPACE", "K8S_POD_NAME", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"];

    public static bool TryParse(
        string raw,
        [NotNullWhen(true)] out Dictionary<string, string>? args,
        [NotNullWhen(false)] out CniError? error)
    {
        args = new Dictionary<string, string>(StringComparer.Ordinal);
        error = null;
        if (raw.Length == 0)
            return true;

        var pairs = new List<(string Key, string Value)>();
        foreach (string pair in raw.Split(';'))
        {
            string[] kv = pair.Split('=');
            if (kv.Length != 2 || kv[0].Length == 0)
            {
                args = null;
                error = CniError.InvalidEnv("CNI_ARGS", $"has an invalid pair \"{pair}\" (expected KEY=VALUE pairs separated by ';')");
                return false;
            }
            pairs.Add((kv[0], kv[1]));
        }

        // IgnoreUnknown decides how the other keys are judged, so it is read first wherever it appears.
        bool ignoreUnknown = false;
        foreach (var (key, value) in pairs)
        {
            if (key != IgnoreUnknown)
                continue;
            if (!TryParseBool(value, out ignoreUnknown))
            {
                args = null;
                error = CniError.InvalidEnv("CNI_ARGS", $"has IgnoreUnknown=\"{value}\"; expected 1, 0, true or false");
                return false;
            }
        }

        foreach (var (key, value) in pairs)
        {
            if (key == IgnoreUnknown)
                continue;
            if (Array.IndexOf(Forwarded, key) >= 0)
                args[key] = value;
            else if (!ignoreUnknown)
            {
                args = null;
                error = CniError.InvalidEnv("CNI_ARGS", $"has the unknown key \"{key}\" (set IgnoreUnknown=1 to ignore it)");
                return false;
            }
        }
        return true;
    }

    /// <summary>The spellings libcni's UnmarshallableBool accepts.</summary>
    private static bool TryParseBool(string value, out bool result)
    {
        if (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            result = true;
            return true;
        }
        result = false;
        return value == "0" || value.Equals("false", StringComparison.OrdinalIgnoreCase);
    }
}
