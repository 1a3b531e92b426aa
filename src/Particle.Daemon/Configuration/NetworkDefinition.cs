using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Particle.Daemon.Configuration;

/// <summary>A validated <see cref="NetworkConfig"/>: addresses parsed, range checked, defaults filled in.</summary>
/// <param name="Subnet">This node's pod subnet (in overlay mode: its lease).</param>
/// <param name="GatewayDevice">The node device holding <paramref name="Gateway"/>; pods are routed, not bridged.</param>
public sealed partial record NetworkDefinition(
    string Name, IPNetwork Subnet, IPAddress Gateway, Ipv4Range Range, string GatewayDevice, int Mtu)
{
    public static NetworkDefinition From(NetworkConfig config) => From(config, leased: null, overlayMtu: null, addressSpace: null, NodeServices.All);

    /// <summary>With <paramref name="leased"/>: an overlay network, whose subnet the cluster gave this node.</summary>
    internal static NetworkDefinition From(NetworkConfig config, IPNetwork? leased, int? overlayMtu, IPNetwork? addressSpace,
        NodeServices defaultNodeServices)
    {
        string where = $"network \"{config.Name}\"";
        CheckName(config.Name);
        var subnet = leased ?? ParseCidr(config.Subnet, where, "subnet");
        if (subnet.PrefixLength > 30)
            throw new ConfigException($"{where}: subnet {subnet} is too small: it needs a gateway and at least one pod address");

        var all = Ipv4Range.HostsOf(subnet);
        var gateway = config.Gateway is null ? all.First : ParseInside(config.Gateway, subnet, where, "gateway");
        var first = config.RangeStart is null ? all.First : ParseInside(config.RangeStart, subnet, where, "rangeStart");
        var last = config.RangeEnd is null ? all.Last : ParseInside(config.RangeEnd, subnet, where, "rangeEnd");
        var range = new Ipv4Range(first, last);
        if (range.Count <= 0)
            throw new ConfigException($"{where}: rangeStart {first} is after rangeEnd {last}");

        string device = GatewayInterfaceOf(config);
        if (!IsValidInterfaceName(device))
            throw new ConfigException($"{where}: gatewayInterface \"{device}\" is not a valid interface name (1-15 characters, no '/', ':' or spaces)");
        int mtu = overlayMtu ?? config.Mtu ?? NetworkConfig.DefaultMtu;
        if (mtu is < 576 or > 65535)
            throw new ConfigException($"{where}: mtu {mtu} is outside 576..65535");
        var namespacePool = NamespacePoolSettings.From(config.NamespacePool, where, range.Count);
        return new NetworkDefinition(config.Name, subnet, gateway, range, device, mtu)
        {
            AddressSpace = addressSpace ?? subnet,
            Egress = EgressSettings.From(config, where),
            NodeServices = NodeServices.From(config.NodeServices, defaultNodeServices, where),
            NamespacePool = namespacePool,
            EndpointPool = EndpointPoolSettings.From(config.EndpointPool, where, range.Count - namespacePool.Size),
        };
    }

    /// <summary>Every address of the network on every node: the cluster CIDR of an overlay, else <see cref="Subnet"/>.</summary>
    public IPNetwork AddressSpace { get; init; }

    public EgressSettings Egress { get; init; } = new(true, []);

    public NodeServices NodeServices { get; init; } = NodeServices.All;

    /// <summary>The pre-wired namespace pool of this network (size 0: none).</summary>
    public NamespacePoolSettings NamespacePool { get; init; } = NamespacePoolSettings.Off;

    /// <summary>The endpoint pool of this network (target 0: none).</summary>
    public EndpointPoolSettings EndpointPool { get; init; } = EndpointPoolSettings.Off;

    /// <summary>Whether <paramref name="address"/> may be handed to a pod (in range, not the gateway).</summary>
    public bool IsAssignable(IPAddress address) => Range.Contains(address) && !address.Equals(Gateway);

    /// <summary>gatewayInterface, or the same name under the key of the bridge releases; both given must agree.</summary>
    internal static string GatewayInterfaceOf(NetworkConfig config)
    {
        if (config.GatewayInterface is not null && config.Bridge is not null && config.GatewayInterface != config.Bridge)
            throw new ConfigException($"network \"{config.Name}\": gatewayInterface \"{config.GatewayInterface}\" and bridge \"{config.Bridge}\" differ; bridge is the old name of gatewayInterface, give one");
        return config.GatewayInterface ?? config.Bridge ?? NetworkConfig.DefaultGatewayInterface;
    }

    internal static void CheckName(string name)
    {
        if (!NamePattern().IsMatch(name))
            throw new ConfigException($"network \"{name}\": name must match {NamePattern()}");
    }

    /// <summary>An IPv4 CIDR with no host bits set ("10.88.0.0/16").</summary>
    internal static IPNetwork ParseCidr(string text, string where, string field)
    {
        if (!IPNetwork.TryParse(text, out var subnet) ||
            !IPAddress.TryParse(text.Split('/')[0], out var written) || !written.Equals(subnet.BaseAddress))
            throw new ConfigException($"{where}: {field} \"{text}\" is not a CIDR with no host bits set, e.g. 10.88.0.0/16");
        if (subnet.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
            throw new ConfigException($"{where}: {field} {subnet} is IPv6: only IPv4 pod subnets are supported");
        return subnet;
    }

    private static IPAddress ParseInside(string text, IPNetwork subnet, string where, string field)
    {
        if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
            throw new ConfigException($"{where}: {field} \"{text}\" is not an IPv4 address");
        if (!Ipv4Range.HostsOf(subnet).Contains(address))
            throw new ConfigException($"{where}: {field} {address} is not a host address of {subnet}");
        return address;
    }

    internal static bool IsValidInterfaceName(string name) =>
        name.Length is > 0 and <= 15 && name is not "." and not ".." &&
        !name.Any(c => c == '/' || c == ':' || c == '\0' || char.IsWhiteSpace(c));

    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$")]
    private static partial Regex NamePattern();
}

public sealed class ConfigException(string message) : Exception(message);
