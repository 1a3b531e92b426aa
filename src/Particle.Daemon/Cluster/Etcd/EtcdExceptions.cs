namespace Particle.Daemon.Cluster.Etcd;

/// <summary>No endpoint answered: every member was unreachable or timed out. Worth retrying later.</summary>
internal sealed class EtcdUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>etcd answered and refused the request; <see cref="Code"/> is the gRPC status code (5 = not found).</summary>
/// <param name="reason">The metric label when the refusal is about credentials (auth_failed, permission_denied).</param>
internal sealed class EtcdRequestException(int code, string message, string? reason = null) : Exception(message)
{
    public const int InvalidArgument = 3;
    public const int NotFound = 5;
    public const int PermissionDenied = 7;

    public int Code { get; } = code;

    public string? Reason { get; } = reason;
}
