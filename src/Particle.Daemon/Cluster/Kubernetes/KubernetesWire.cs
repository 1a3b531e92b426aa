using System.Text.Json;
using System.Text.Json.Serialization;

namespace Particle.Daemon.Cluster.Kubernetes;

// The parts of the core/v1 Node API that the store reads and writes; every other field is ignored.

internal sealed record ObjectMeta(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("resourceVersion")] string? ResourceVersion,
    [property: JsonPropertyName("annotations")] Dictionary<string, string>? Annotations);

internal sealed record NodeSpec(
    [property: JsonPropertyName("podCIDR")] string? PodCidr,
    [property: JsonPropertyName("podCIDRs")] IReadOnlyList<string>? PodCidrs);

internal sealed record NodeObject(
    [property: JsonPropertyName("metadata")] ObjectMeta? Metadata,
    [property: JsonPropertyName("spec")] NodeSpec? Spec);

internal sealed record ListMeta([property: JsonPropertyName("resourceVersion")] string? ResourceVersion);

internal sealed record NodeList(
    [property: JsonPropertyName("metadata")] ListMeta? Metadata,
    [property: JsonPropertyName("items")] IReadOnlyList<NodeObject>? Items);

/// <summary>One line of a watch: ADDED, MODIFIED, DELETED, BOOKMARK (a Node with only a resourceVersion) or
/// ERROR (a Status, e.g. 410 when the resourceVersion is too old).</summary>
internal sealed record WatchEventLine(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("object")] JsonElement Object);

/// <summary>The API's error answer (kind Status).</summary>
internal sealed record StatusObject(
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("code")] int Code);

internal sealed record AnnotationPatch([property: JsonPropertyName("metadata")] AnnotationPatchMeta Metadata);

internal sealed record AnnotationPatchMeta([property: JsonPropertyName("annotations")] Dictionary<string, string> Annotations);
