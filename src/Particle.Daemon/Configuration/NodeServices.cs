using System.Globalization;

namespace Particle.Daemon.Configuration;

/// <summary>One protocol and port on the node that pods may reach ("udp/53"); <see cref="Port"/> 0 with "icmp".</summary>
public readonly record struct NodePort(string Protocol, int Port)
{
    public override string ToString() => Protocol == "icmp" ? "icmp" : $"{Protocol}/{Port}";
}

/// <summary>
/// What a network's pods may reach on the node itself. <see cref="All"/> is the Kubernetes network model
/// (pods reach every node address and host-network pod); a list restricts them to those ports, on their
/// own gateway and on node addresses that belong to no pod network. Another network's gateway and the
/// VXLAN port are out of reach either way (docs/overlay.md).
/// </summary>
public sealed record NodeServices(bool AllowAll, IReadOnlyList<NodePort> Ports)
{
    public static NodeServices All { get; } = new(true, []);

    /// <summary>An overlay tenant's default: its gateway answers ping, nothing else on the node is reachable.</summary>
    public static NodeServices PingOnly { get; } = new(false, [new NodePort("icmp", 0)]);

    public static NodeServices From(List<string>? entries, NodeServices fallback, string where)
    {
        if (entries is null)
            return fallback;
        var ports = new List<NodePort>();
        foreach (var entry in entries)
        {
            if (entry == "*")
                return All;
            ports.Add(Parse(entry, where));
        }
        return new NodeServices(false, ports.Distinct().ToList());
    }

    private static NodePort Parse(string entry, string where)
    {
        if (entry == "icmp")
            return new NodePort("icmp", 0);
        var parts = entry.Split('/');
        if (parts.Length == 2 && parts[0] is "tcp" or "udp" or "sctp"
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 1 and <= 65535)
            return new NodePort(parts[0], port);
        throw new ConfigException($"{where}: nodeServices entry \"{entry}\" is not \"*\", \"icmp\" or PROTOCOL/PORT (tcp, udp or sctp; port 1-65535), e.g. \"udp/53\"");
    }
}
