using System.Text.Json.Serialization;

namespace Particle.Daemon.Cluster.Kubernetes;

// The API's JSON is camelCase already (names given per property); unknown fields are ignored.
[JsonSerializable(typeof(NodeObject))]
[JsonSerializable(typeof(NodeList))]
[JsonSerializable(typeof(WatchEventLine))]
[JsonSerializable(typeof(StatusObject))]
[JsonSerializable(typeof(AnnotationPatch))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext;
