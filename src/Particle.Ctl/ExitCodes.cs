namespace Particle.Ctl;

/// <summary>particlectl's exit codes, in one place.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>particled answered with an error (its message is printed).</summary>
    public const int DaemonError = 1;
    /// <summary>particled could not be reached.</summary>
    public const int Unreachable = 2;
    /// <summary>An option value out of range.</summary>
    public const int Usage = 3;
}
