namespace Particle.Linux;

/// <summary>
/// libnftables refused a command buffer: nothing of it was applied (the buffer is one transaction).
/// Carries a summary of the commands and libnftables' own error text, which names the failing command
/// and, for kernel refusals, the kernel's reason ("Could not process rule: No such file or directory").
/// </summary>
public sealed class NftablesException : Exception
{
    public NftablesException(string commands, string error)
        : base($"nftables refused {commands}: {error.Trim()}")
    {
        Commands = commands;
        Error = error;
    }

    /// <summary>What was run, e.g. "'table inet particle {' (+41 lines)".</summary>
    public string Commands { get; }

    /// <summary>libnftables' error buffer, as nft would have printed it.</summary>
    public string Error { get; }
}
