using System.Text.Json.Serialization;

namespace Particle.Daemon.Cluster.Etcd;

// int64 fields arrive as strings from the gateway and are sent as strings (proto3 JSON mapping).
[JsonSourceGenerationOptions(
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RangeRequest))]
[JsonSerializable(typeof(RangeResponse))]
[JsonSerializable(typeof(PutRequest))]
[JsonSerializable(typeof(TxnRequest))]
[JsonSerializable(typeof(TxnResponse))]
[JsonSerializable(typeof(LeaseGrantRequest))]
[JsonSerializable(typeof(LeaseGrantResponse))]
[JsonSerializable(typeof(LeaseIdRequest))]
[JsonSerializable(typeof(StreamEnvelope<LeaseKeepAliveResponse>))]
[JsonSerializable(typeof(StreamEnvelope<WatchResponse>))]
[JsonSerializable(typeof(GatewayError))]
[JsonSerializable(typeof(WatchRequest))]
[JsonSerializable(typeof(StatusRequest))]
[JsonSerializable(typeof(SubnetRecord))]
[JsonSerializable(typeof(AuthenticateRequest))]
[JsonSerializable(typeof(AuthenticateResponse))]
internal sealed partial class EtcdJsonContext : JsonSerializerContext;
