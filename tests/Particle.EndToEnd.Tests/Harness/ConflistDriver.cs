using System.Text.Json.Nodes;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// Runs a conflist the way libcni does: ADD forward with each plugin's result as the next one's
/// prevResult, the final result cached per attachment; CHECK forward and DEL in reverse, both with the
/// cached result; GC as libcni's GCNetworkList (DEL of cached attachments not in the valid list, then GC
/// to every plugin with cni.dev/valid-attachments when the list's version is 1.1.0 or later);
/// runtimeConfig given only to plugins that declare the capability. Every plugin runs inside the node
/// namespace, as it would on a node.
/// </summary>
/// <param name="libcniSpec">
/// The newest spec version the simulated libcni implements. "1.1.0" is libcni 1.2 and later (containerd 2,
/// CRI-O): it takes the highest entry of "cniVersions" it knows. "1.0.0" is libcni 1.1 (containerd 1.6,
/// podman 4): it reads "cniVersion" only.
/// </param>
public sealed class ConflistDriver(TestNode node, JsonObject conflist, JsonObject? runtimeConfig = null,
    string libcniSpec = "1.1.0", string cniArgs = "IgnoreUnknown=1")
{
    public const string ReferencePlugins = "/usr/lib/cni";

    private readonly Dictionary<(string ContainerId, string IfName), (string Netns, JsonNode? Result)> _cache = [];

    /// <summary>The version every plugin of the list is called with, chosen as libcni would.</summary>
    public string CniVersion { get; } = ListVersion(conflist, libcniSpec);

    /// <summary>CNI_ARGS of the next ADD, CHECK and DEL (runtimes vary it between calls).</summary>
    public string CniArgs { get; set; } = cniArgs;

    /// <summary>The result of the latest ADD.</summary>
    public JsonNode? CachedResult { get; private set; }

    /// <summary>Every plugin invocation so far: verb, plugin type, exit code.</summary>
    public List<(string Command, string Plugin, int ExitCode)> Invocations { get; } = [];

    public void Add(string containerId, string netns, string ifName = "eth0")
    {
        JsonNode? previous = null;
        foreach (var plugin in Plugins())
            previous = JsonNode.Parse(Invoke("ADD", plugin, previous, containerId, netns, ifName));
        CachedResult = previous;
        _cache[(containerId, ifName)] = (netns, previous);
    }

    /// <summary>
    /// CHECK of every plugin in order. Unlike libcni, which stops at the first failure, every plugin is
    /// asked and the failures are returned by plugin type, so a test can tell whose CHECK failed and why.
    /// </summary>
    public Dictionary<string, string> Check(string containerId, string netns, string ifName = "eth0")
    {
        var cached = _cache[(containerId, ifName)].Result;
        var failures = new Dictionary<string, string>();
        foreach (var plugin in Plugins())
        {
            try
            {
                Invoke("CHECK", plugin, cached, containerId, netns, ifName);
            }
            catch (InvalidOperationException e)
            {
                failures[plugin["type"]!.GetValue<string>()] = e.Message;
            }
        }
        return failures;
    }

    public void Del(string containerId, string netns, string ifName = "eth0")
    {
        var cached = _cache.TryGetValue((containerId, ifName), out var entry) ? entry.Result : null;
        foreach (var plugin in Plugins().Reverse())
            Invoke("DEL", plugin, cached, containerId, netns, ifName);
        _cache.Remove((containerId, ifName));
        CachedResult = null;
    }

    /// <summary>The runtime loses its record of an attachment (a wiped cache, a runtime that never kept one).</summary>
    public void Forget(string containerId, string ifName = "eth0") => _cache.Remove((containerId, ifName));

    /// <summary>
    /// libcni's GCNetworkList: errors are collected, not thrown, as libcni joins them. Returns the error
    /// of each plugin that failed, and whether the GC verb was issued at all.
    /// </summary>
    public (bool GcIssued, List<string> Errors) Gc(params (string ContainerId, string IfName)[] valid)
    {
        var errors = new List<string>();
        foreach (var ((containerId, ifName), (netns, _)) in _cache.Where(e => !valid.Contains(e.Key)).ToList())
        {
            try
            {
                Del(containerId, netns, ifName);
            }
            catch (InvalidOperationException e)
            {
                errors.Add(e.Message);
            }
        }
        if (CompareVersions(CniVersion, "1.1.0") < 0)
            return (false, errors);

        var attachments = new JsonArray(valid.Select(v => (JsonNode)new JsonObject { ["containerID"] = v.ContainerId, ["ifname"] = v.IfName }).ToArray());
        foreach (var plugin in Plugins())
        {
            var config = (JsonObject)plugin.DeepClone();
            config["name"] = conflist["name"]!.DeepClone();
            config["cniVersion"] = CniVersion;
            config["cni.dev/valid-attachments"] = attachments.DeepClone();
            // libcni runs GC with an empty RuntimeConf: the per-attachment variables are set but empty.
            var result = Exec("GC", config, containerId: "", netns: "", ifName: "", args: "");
            if (result.ExitCode != 0)
                errors.Add($"GC of plugin {config["type"]} failed: {result}");
        }
        return (true, errors);
    }

    private IEnumerable<JsonObject> Plugins() => conflist["plugins"]!.AsArray().Select(p => p!.AsObject());

    private string Invoke(string command, JsonObject plugin, JsonNode? prevResult, string containerId, string netns, string ifName)
    {
        var config = (JsonObject)plugin.DeepClone();
        config["name"] = conflist["name"]!.DeepClone();
        config["cniVersion"] = CniVersion;
        if (prevResult is not null)
            config["prevResult"] = prevResult.DeepClone();
        if (runtimeConfig is not null && config["capabilities"] is JsonObject capabilities)
        {
            var given = new JsonObject();
            foreach (var (capability, enabled) in capabilities)
            {
                if (enabled?.GetValue<bool>() == true && runtimeConfig[capability] is { } value)
                    given[capability] = value.DeepClone();
            }
            if (given.Count > 0)
                config["runtimeConfig"] = given;
        }
        var result = Exec(command, config, containerId, netns, ifName, CniArgs);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{command} of plugin {config["type"]} failed: {result}");
        return result.Stdout;
    }

    private ProcessResult Exec(string command, JsonObject config, string containerId, string netns, string ifName, string args)
    {
        string type = config["type"]!.GetValue<string>();
        string binary = type == "particle" ? Binaries.Plugin : Path.Combine(ReferencePlugins, type);
        string cniPath = $"{ReferencePlugins}:{Path.GetDirectoryName(Binaries.Plugin)}";
        var result = Shell.Run("ip", ["netns", "exec", node.Namespace, "env",
                $"CNI_COMMAND={command}", $"CNI_CONTAINERID={containerId}", $"CNI_NETNS={netns}",
                $"CNI_IFNAME={ifName}", $"CNI_PATH={cniPath}", $"CNI_ARGS={args}", binary],
            config.ToJsonString());
        Invocations.Add((command, type, result.ExitCode));
        return result;
    }

    /// <summary>libcni 1.2: the highest of cniVersion and cniVersions that it implements; libcni 1.1: cniVersion.</summary>
    private static string ListVersion(JsonObject conflist, string libcniSpec)
    {
        string declared = conflist["cniVersion"]?.GetValue<string>() ?? "0.1.0";
        if (CompareVersions(libcniSpec, "1.1.0") < 0 || conflist["cniVersions"] is not JsonArray versions)
            return declared;
        return versions.Select(v => v!.GetValue<string>()).Append(declared)
            .Where(v => CompareVersions(v, libcniSpec) <= 0)
            .MaxBy(v => v, Comparer<string>.Create(CompareVersions))!;
    }

    private static int CompareVersions(string a, string b) => Version.Parse(a).CompareTo(Version.Parse(b));
}
