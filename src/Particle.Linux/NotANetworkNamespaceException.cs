namespace Particle.Linux;

/// <summary>A path that opened fine but is not a network namespace (a file, a directory, another namespace type).</summary>
public sealed class NotANetworkNamespaceException : LinuxException
{
    public NotANetworkNamespaceException(string path, string actually)
        : base(Linux.Errno.EINVAL, "open", path, $"{path} is not a network namespace: it is {actually}")
    {
        Actually = actually;
    }

    /// <summary>What the path is instead, e.g. "a regular file" or "a mount namespace".</summary>
    public string Actually { get; }
}
