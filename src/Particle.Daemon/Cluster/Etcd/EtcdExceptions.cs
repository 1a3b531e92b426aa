namespace Particle.Daemon.Cluster.Etcd;

/// <summary>No endpoint answered: every member was unreachable or timed out. Worth retrying later.</summary>
internal sealed class EtcdUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>etcd answered and refused the request; <see cref="Code"/> is the gRPC status code (5 = not found).</summary>
internal sealed class EtcdRequestException(int code, string message) : Exception(message)
{
    public const int NotFound = 5;

    public int Code { get; } = code;
}
