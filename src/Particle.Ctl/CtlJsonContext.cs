using System.Text.Json;
using System.Text.Json.Serialization;
using Particle.Protocol;

namespace Particle.Ctl;

/// <summary>What particlectl prints as JSON (source-generated: no reflection under AOT).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(ClaimInfo))]
[JsonSerializable(typeof(List<NetworkStatusInfo>))]
[JsonSerializable(typeof(EventInfo))]
internal sealed partial class CtlJsonContext : JsonSerializerContext
{
    /// <summary>The same shapes on one line each: what --watch and events print, one document per line.</summary>
    // Built on first use: a static initialiser would run before the generated Default exists.
    public static CtlJsonContext Compact => s_compact ??= new(new JsonSerializerOptions(Default.Options) { WriteIndented = false });

    private static CtlJsonContext? s_compact;
}
