using System.Text.Json.Serialization;

namespace Particle.Daemon.Pool;

/// <summary>What survives a restart about a claimed namespace: that it is claimed, and by which CNI key if any.</summary>
public sealed class ClaimRecord
{
    public long ClaimedAtUnixMs { get; set; }
    public string? CniContainerId { get; set; }
    public string? CniIfName { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ClaimRecord))]
internal sealed partial class PoolJsonContext : JsonSerializerContext;
