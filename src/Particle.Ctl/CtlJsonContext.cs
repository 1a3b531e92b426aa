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
internal sealed partial class CtlJsonContext : JsonSerializerContext;
