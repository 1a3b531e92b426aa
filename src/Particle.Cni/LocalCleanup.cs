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
    /// <returns>Null when removed or already gone; else why it was left alone.</returns>
    public static string? RemoveInterface(string netnsPath, string ifName)
    {
        using var ns = NetworkNamespace.Open(netnsPath);
        using var inside = RouteNetlink.OpenIn(ns);
        // particle only ever puts a veth there. Anything else with that name (a macvlan, a bridge, a
        // physical device moved in, the namespace's own "lo") is someone else's, whatever the runtime
        // says: deleted by index, so a link renamed in between is not hit either.
        if (inside.GetLink(ifName) is not { } link)
            return null;
        if (link.Kind != "veth")
            return $"{ifName} in {netnsPath} is a {link.Kind ?? "device without a kind"}, not the veth particle creates; left alone";
        inside.DeleteLink(link.Index);
        return null;
    }
}
