using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Particle.Daemon.Configuration;

/// <summary>A validated <see cref="MetricsConfig"/>: a literal IP address and a port, nothing to resolve.</summary>
public sealed record MetricsSettings(IPAddress Address, int Port)
{
    public static MetricsSettings Default { get; } = new(IPAddress.Loopback, 9651);

    /// <summary>Listens on every address of the namespace (0.0.0.0 or [::]), as in a Kubernetes pod.</summary>
    public bool IsWildcard => Address.Equals(IPAddress.Any) || Address.Equals(IPAddress.IPv6Any);

    /// <summary>As written in the config and in logs: 127.0.0.1:9651, [::1]:9651.</summary>
    public override string ToString() => new IPEndPoint(Address, Port).ToString();

    /// <summary>Null when the listener is turned off ("enabled": false, or an empty or null address).</summary>
    public static MetricsSettings? From(MetricsConfig? config)
    {
        if (config is null)
            return Default;
        if (!config.Enabled || string.IsNullOrEmpty(config.Address))
            return null;
        return Parse(config.Address) ?? throw new ConfigException(
            $"metrics.address \"{config.Address}\" is not an address and port such as 127.0.0.1:9651, 0.0.0.0:9651 or [::1]:9651 " +
            "(host names are not resolved; use \"\" or \"enabled\": false to turn metrics off)");
    }

    private static MetricsSettings? Parse(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0)
            return null;
        string host = text[..colon];
        string port = text[(colon + 1)..];
        if (host.StartsWith('[') && host.EndsWith(']'))
            host = host[1..^1];
        else if (host.Contains(':'))
            return null;
        if (!IPAddress.TryParse(host, out var address) ||
            address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) ||
            (address.AddressFamily == AddressFamily.InterNetwork && host.Count(c => c == '.') != 3))
            return null;
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
            return null;
        return new MetricsSettings(address, number);
    }
}
