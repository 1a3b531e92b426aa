using System.Text.Json.Serialization;

namespace Particle.Daemon.Ipam;

/// <summary>One line of the allocation journal: an address committed to an attachment, or released.</summary>
public sealed class JournalRecord
{
    public const string AddOp = "add";
    public const string DelOp = "del";

    public string Op { get; set; } = "";
    public string Network { get; set; } = "";
    public string ContainerId { get; set; } = "";
    public string IfName { get; set; } = "";
    public string? Address { get; set; }
    public string? Netns { get; set; }
    public long UnixMs { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JournalRecord))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
