using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Particle.Daemon.Configuration;

/// <summary>
/// A validated <see cref="MetricsConfig"/>: a literal IPv4 address and a port, nothing to resolve. IPv4 only,
/// like the pod networks: .NET's HttpListener serves a wildcard on IPv4 alone, so "[::]" would not mean
/// what it says.
/// </summary>
public sealed record MetricsSettings(IPAddress Address, int Port)
{
    public static MetricsSettings Default { get; } = new(IPAddress.Loopback, 9651);

    /// <summary>Listens on every IPv4 address of the namespace (0.0.0.0), as a host-network DaemonSet does.</summary>
    public bool IsWildcard => Address.Equals(IPAddress.Any);

    /// <summary>As written in the config and in logs: 127.0.0.1:9651.</summary>
    public override string ToString() => new IPEndPoint(Address, Port).ToString();

    /// <summary>Null when the listener is turned off ("enabled": false, or an empty or null address).</summary>
    public static MetricsSettings? From(MetricsConfig? config)
    {
        if (config is null)
            return Default;
        if (!config.Enabled || string.IsNullOrEmpty(config.Address))
            return null;
        return Parse(config.Address) ?? throw new ConfigException(
            $"metrics.address \"{config.Address}\" is not an address and port such as 127.0.0.1:9651 or 0.0.0.0:9651 " +
            "(an IPv4 address, 0.0.0.0 for every address of the namespace; " +
            "host names are not resolved; use \"\" or \"enabled\": false to turn metrics off)");
    }

    private static MetricsSettings? Parse(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0)
            return null;
        string host = text[..colon];
        string port = text[(colon + 1)..];
        // Four dotted parts: IPAddress would also take "10.1" or a bare number for an address.
        if (host.Count(c => c == '.') != 3 || !IPAddress.TryParse(host, out var address) ||
            address.AddressFamily != AddressFamily.InterNetwork)
            return null;
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
            return null;
        return new MetricsSettings(address, number);
    }
}
