using System.Text.Json.Nodes;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>A conflist from cni-conf/ as shipped, pointed at a test node: its network name, socket and state folder.</summary>
public static class ShippedConflist
{
    public static JsonObject Load(string file, TestNode node, string? particleType = null)
    {
        var conflist = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "cni-conf", file)))!.AsObject();
        conflist["name"] = TestNode.NetworkName;
        var particle = conflist["plugins"]!.AsArray().Single(p => p!["type"]!.GetValue<string>() == "particle")!.AsObject();
        particle["socket"] = node.SocketPath;
        particle["stateDir"] = node.StateDir;
        if (particleType is not null)
            particle["type"] = particleType;
        return conflist;
    }
}
