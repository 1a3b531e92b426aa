namespace Particle.Protocol;

/// <summary>Paths that the plugin and the daemon agree on when the configuration names none.</summary>
public static class Defaults
{
    public const string SocketPath = "/run/particle/particled.sock";
    public const string StateDirectory = "/var/lib/particle";

    /// <summary>
    /// Folder (under the state directory) where the plugin leaves a note for each DEL it could not hand
    /// to the daemon, so that the daemon releases the address when it is back.
    /// </summary>
    public const string PendingDeletesFolder = "pending-del";
}
