namespace Particle.Linux;

/// <summary>libnftables cannot be used on this machine (the library is not installed, or the kernel has
/// no nfnetlink): a start-up error for the daemon, never a per-request one.</summary>
public sealed class NftablesUnavailableException : Exception
{
    public NftablesUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
