using System.Text.Json.Nodes;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// Runs a conflist the way libcni does: ADD forward with each plugin's result as the next one's
/// prevResult, the final result cached; CHECK forward and DEL in reverse, both with the cached result;
/// runtimeConfig given only to plugins that declare the capability. Every plugin runs inside the node
/// namespace, as it would on a node.
/// </summary>
public sealed class ConflistDriver(TestNode node, JsonObject conflist, JsonObject? runtimeConfig = null)
{
    public const string ReferencePlugins = "/usr/lib/cni";

    public JsonNode? CachedResult { get; private set; }

    public void Add(string containerId, string netns, string ifName = "eth0")
    {
        JsonNode? previous = null;
        foreach (var plugin in Plugins())
            previous = JsonNode.Parse(Invoke("ADD", plugin, previous, containerId, netns, ifName));
        CachedResult = previous;
    }

    /// <summary>CHECK of every plugin but those named in <paramref name="skip"/>.</summary>
    public void Check(string containerId, string netns, string ifName = "eth0", params string[] skip)
    {
        foreach (var plugin in Plugins().Where(p => !skip.Contains(p["type"]!.GetValue<string>())))
            Invoke("CHECK", plugin, CachedResult, containerId, netns, ifName);
    }

    public void Del(string containerId, string netns, string ifName = "eth0")
    {
        foreach (var plugin in Plugins().Reverse())
            Invoke("DEL", plugin, CachedResult, containerId, netns, ifName);
        CachedResult = null;
    }

    private IEnumerable<JsonObject> Plugins() => conflist["plugins"]!.AsArray().Select(p => p!.AsObject());

    private string Invoke(string command, JsonObject plugin, JsonNode? prevResult, string containerId, string netns, string ifName)
    {
        var config = (JsonObject)plugin.DeepClone();
        config["name"] = conflist["name"]!.DeepClone();
        config["cniVersion"] = conflist["cniVersion"]!.DeepClone();
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

        string type = config["type"]!.GetValue<string>();
        string binary = type == "particle" ? Binaries.Plugin : Path.Combine(ReferencePlugins, type);
        string cniPath = $"{ReferencePlugins}:{Path.GetDirectoryName(Binaries.Plugin)}";
        var result = Shell.Run("ip", ["netns", "exec", node.Namespace, "env",
                $"CNI_COMMAND={command}", $"CNI_CONTAINERID={containerId}", $"CNI_NETNS={netns}",
                $"CNI_IFNAME={ifName}", $"CNI_PATH={cniPath}", "CNI_ARGS=IgnoreUnknown=1", binary],
            config.ToJsonString());
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{command} of plugin {type} failed: {result}");
        return result.Stdout;
    }
}
