namespace Particle.Netlink.Tests;

internal static class TempNamespaceNetlink
{
    /// <summary>Opens a rtnetlink socket inside the test's namespace.</summary>
    public static RouteNetlink OpenNetlink(this TempNamespace temp) => RouteNetlink.OpenIn(temp.Namespace);
}
