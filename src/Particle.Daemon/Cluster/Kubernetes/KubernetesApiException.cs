namespace Particle.Daemon.Cluster.Kubernetes;

/// <summary>The API server answered with an error Status; <see cref="Code"/> is its HTTP code (410 = resourceVersion too old).</summary>
internal sealed class KubernetesApiException(int code, string message) : Exception(message)
{
    public const int Gone = 410;

    public int Code { get; } = code;
}
