using System.Text.Json.Serialization;

namespace Particle.Daemon.Cluster;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    WriteIndented = true)]
[JsonSerializable(typeof(StaticClusterFile))]
internal sealed partial class ClusterJsonContext : JsonSerializerContext;
