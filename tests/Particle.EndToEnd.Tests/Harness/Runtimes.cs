namespace Particle.EndToEnd.Tests.Harness;

/// <summary>The runtime tests (containerd, podman, nerdctl, chaining, GC) name their namespaces prt-*.</summary>
public static class Runtimes
{
    public const string NamePrefix = "prt";
}
