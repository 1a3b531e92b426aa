using Particle.Linux;
using Particle.Netlink;

namespace Particle.Cni;

/// <summary>
/// What DEL can still do on its own when particled is down: remove the container's interface so the
/// runtime can tear the sandbox down. The address is released later by the daemon (pending-delete note).
/// </summary>
internal static class LocalCleanup
{
    /// <summary>Deletes <paramref name="ifName"/> inside the namespace at <paramref name="netnsPath"/>;
    /// success when it is already gone. Deleting one end of a veth removes the host end with it.</summary>
    public static void RemoveInterface(string netnsPath, string ifName)
    {
        using var ns = NetworkNamespace.Open(netnsPath);
        using var inside = RouteNetlink.OpenIn(ns);
        inside.DeleteLink(ifName);
    }
}
