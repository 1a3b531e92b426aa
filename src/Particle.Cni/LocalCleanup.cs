namespace Particle.Cni;

/// <summary>
/// What DEL can still do on its own when particled is down: remove the container's interface so the
/// runtime can tear the sandbox down. The address is released later by the daemon (pending-delete note).
/// </summary>
internal static class LocalCleanup
{
    /// <summary>Deletes <paramref name="ifName"/> inside the namespace at <paramref name="netnsPath"/>;
    /// success when it is already gone.</summary>
    public static void RemoveInterface(string netnsPath, string ifName)
    {
        throw new NotImplementedException("netlink integration pending");
    }
}
