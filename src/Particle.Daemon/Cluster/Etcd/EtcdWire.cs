using System.Text.Json.Serialization;

namespace Particle.Daemon.Cluster.Etcd;

// The messages of etcd's v3 JSON gateway (grpc-gateway over the etcdserverpb protos): field names are the
// protos' own (snake_case, "ID"/"TTL" upper case), int64 travels as a JSON string, bytes as base64, and a
// field holding its default value (0, false, PUT) is left out of answers.

internal sealed record ResponseHeader([property: JsonPropertyName("revision")] long Revision);

internal sealed record KeyValue(
    [property: JsonPropertyName("key")] byte[] Key,
    [property: JsonPropertyName("create_revision")] long CreateRevision,
    [property: JsonPropertyName("mod_revision")] long ModRevision,
    [property: JsonPropertyName("value")] byte[]? Value,
    [property: JsonPropertyName("lease")] long Lease);

internal sealed record RangeRequest(
    [property: JsonPropertyName("key")] byte[] Key,
    [property: JsonPropertyName("range_end")] byte[]? RangeEnd);

internal sealed record RangeResponse(
    [property: JsonPropertyName("header")] ResponseHeader? Header,
    [property: JsonPropertyName("kvs")] IReadOnlyList<KeyValue>? Kvs);

internal sealed record PutRequest(
    [property: JsonPropertyName("key")] byte[] Key,
    [property: JsonPropertyName("value")] byte[] Value,
    [property: JsonPropertyName("lease")] long Lease);

internal sealed record Compare(
    [property: JsonPropertyName("result")] string Result,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("key")] byte[] Key)
{
    [JsonPropertyName("create_revision")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? CreateRevision { get; init; }

    [JsonPropertyName("mod_revision")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ModRevision { get; init; }
}

internal sealed record RequestOp
{
    [JsonPropertyName("request_put")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PutRequest? Put { get; init; }

    [JsonPropertyName("request_range")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public RangeRequest? Range { get; init; }

    [JsonPropertyName("request_delete_range")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DeleteRangeRequest? DeleteRange { get; init; }
}

internal sealed record DeleteRangeRequest([property: JsonPropertyName("key")] byte[] Key);

internal sealed record TxnRequest(
    [property: JsonPropertyName("compare")] IReadOnlyList<Compare> Compare,
    [property: JsonPropertyName("success")] IReadOnlyList<RequestOp> Success,
    [property: JsonPropertyName("failure")] IReadOnlyList<RequestOp> Failure);

internal sealed record ResponseOp([property: JsonPropertyName("response_range")] RangeResponse? Range);

internal sealed record TxnResponse(
    [property: JsonPropertyName("header")] ResponseHeader? Header,
    [property: JsonPropertyName("succeeded")] bool Succeeded,
    [property: JsonPropertyName("responses")] IReadOnlyList<ResponseOp>? Responses);

internal sealed record LeaseGrantRequest(
    [property: JsonPropertyName("TTL")] long Ttl,
    [property: JsonPropertyName("ID")] long Id);

internal sealed record LeaseGrantResponse(
    [property: JsonPropertyName("ID")] long Id,
    [property: JsonPropertyName("TTL")] long Ttl,
    [property: JsonPropertyName("error")] string? Error);

internal sealed record LeaseIdRequest([property: JsonPropertyName("ID")] long Id);

internal sealed record LeaseKeepAliveResponse(
    [property: JsonPropertyName("ID")] long Id,
    [property: JsonPropertyName("TTL")] long Ttl);

/// <summary>One line of a streamed answer (keepalive, watch): the message sits under "result", or an error.</summary>
internal sealed record StreamEnvelope<T>(
    [property: JsonPropertyName("result")] T? Result,
    [property: JsonPropertyName("error")] GatewayError? Error);

/// <summary>What the gateway answers instead of a message when the call failed (with an HTTP error status).</summary>
internal sealed record GatewayError(
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("code")] int Code);

internal sealed record WatchCreateRequest(
    [property: JsonPropertyName("key")] byte[] Key,
    [property: JsonPropertyName("range_end")] byte[] RangeEnd,
    [property: JsonPropertyName("start_revision")] long StartRevision);

internal sealed record WatchRequest([property: JsonPropertyName("create_request")] WatchCreateRequest CreateRequest);

internal sealed record WatchEvent(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("kv")] KeyValue? Kv);

internal sealed record WatchResponse(
    [property: JsonPropertyName("header")] ResponseHeader? Header,
    [property: JsonPropertyName("created")] bool Created,
    [property: JsonPropertyName("canceled")] bool Canceled,
    [property: JsonPropertyName("compact_revision")] long CompactRevision,
    [property: JsonPropertyName("cancel_reason")] string? CancelReason,
    [property: JsonPropertyName("events")] IReadOnlyList<WatchEvent>? Events);

internal sealed record StatusRequest;

/// <summary>The value stored under a subnet key: who holds the subnet and where its tunnel endpoint answers.</summary>
internal sealed record SubnetRecord(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("underlay")] string Underlay,
    [property: JsonPropertyName("vtepMac")] string VtepMac);
