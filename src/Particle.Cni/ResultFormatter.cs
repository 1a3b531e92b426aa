using System.Text.Json;

namespace Particle.Cni;

/// <summary>
/// Writes a result in the shape of the requested cniVersion, field names, order and omissions as the Go
/// types of libcni marshal them (types020, types040, types100), so tools diffing results see no surprise.
/// Fields added in 1.1.0 are never written for an older version.
/// </summary>
internal static class ResultFormatter
{
    public static byte[] Format(CniResult result, string cniVersion)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("cniVersion", cniVersion);
            if (CniVersion.AtLeast(cniVersion, "0.3.0"))
                WriteCurrent(json, result, cniVersion);
            else
                WriteLegacy(json, result);
            WriteDns(json, result.Dns);
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static void WriteCurrent(Utf8JsonWriter json, CniResult result, string cniVersion)
    {
        bool v11 = CniVersion.AtLeast(cniVersion, "1.1.0");
        bool hasIpVersion = !CniVersion.AtLeast(cniVersion, "1.0.0");

        if (result.Interfaces.Count > 0)
        {
            json.WriteStartArray("interfaces");
            foreach (var i in result.Interfaces)
            {
                json.WriteStartObject();
                json.WriteString("name", i.Name);
                WriteIfSet(json, "mac", i.Mac);
                if (v11)
                    WriteIfPositive(json, "mtu", i.Mtu);
                WriteIfSet(json, "sandbox", i.Sandbox);
                if (v11)
                {
                    WriteIfSet(json, "socketPath", i.SocketPath);
                    WriteIfSet(json, "pciID", i.PciId);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }

        if (result.Ips.Count > 0)
        {
            json.WriteStartArray("ips");
            foreach (var ip in result.Ips)
            {
                json.WriteStartObject();
                if (hasIpVersion)
                    json.WriteString("version", ip.IsIPv6 ? "6" : "4");
                if (ip.Interface is int index)
                    json.WriteNumber("interface", index);
                json.WriteString("address", ip.Address);
                WriteIfSet(json, "gateway", ip.Gateway);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }

        if (result.Routes.Count > 0)
        {
            json.WriteStartArray("routes");
            foreach (var route in result.Routes)
                WriteRoute(json, route, v11);
            json.WriteEndArray();
        }
    }

    /// <summary>0.1.0/0.2.0 know one address per family; like libcni's convertTo020 the first of each wins
    /// and routes go under the family of their destination.</summary>
    private static void WriteLegacy(Utf8JsonWriter json, CniResult result)
    {
        var ip4 = result.Ips.FirstOrDefault(ip => !ip.IsIPv6);
        var ip6 = result.Ips.FirstOrDefault(ip => ip.IsIPv6);
        if (ip4 is not null)
            WriteLegacyIp(json, "ip4", ip4, result.Routes.Where(r => !r.IsIPv6));
        if (ip6 is not null)
            WriteLegacyIp(json, "ip6", ip6, result.Routes.Where(r => r.IsIPv6));
    }

    private static void WriteLegacyIp(Utf8JsonWriter json, string name, CniIp ip, IEnumerable<CniRoute> routes)
    {
        json.WriteStartObject(name);
        json.WriteString("ip", ip.Address);
        WriteIfSet(json, "gateway", ip.Gateway);
        var list = routes.ToList();
        if (list.Count > 0)
        {
            json.WriteStartArray("routes");
            foreach (var route in list)
                WriteRoute(json, route, v11: false);
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteRoute(Utf8JsonWriter json, CniRoute route, bool v11)
    {
        json.WriteStartObject();
        json.WriteString("dst", route.Dst);
        WriteIfSet(json, "gw", route.Gw);
        if (v11)
        {
            WriteIfPositive(json, "mtu", route.Mtu);
            WriteIfPositive(json, "advmss", route.AdvMss);
            WriteIfPositive(json, "priority", route.Priority);
            // Pointers in the Go type: 0 is a real table/scope, so only "absent" is omitted.
            if (route.Table is int table)
                json.WriteNumber("table", table);
            if (route.Scope is int scope)
                json.WriteNumber("scope", scope);
        }
        json.WriteEndObject();
    }

    /// <summary>The Go DNS struct is never omitted (omitempty does not apply to structs): "dns":{} at least.</summary>
    private static void WriteDns(Utf8JsonWriter json, CniDns dns)
    {
        json.WriteStartObject("dns");
        WriteList(json, "nameservers", dns.Nameservers);
        WriteIfSet(json, "domain", dns.Domain);
        WriteList(json, "search", dns.Search);
        WriteList(json, "options", dns.Options);
        json.WriteEndObject();
    }

    private static void WriteList(Utf8JsonWriter json, string name, List<string> items)
    {
        if (items.Count == 0)
            return;
        json.WriteStartArray(name);
        foreach (string item in items)
            json.WriteStringValue(item);
        json.WriteEndArray();
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
            json.WriteString(name, value);
    }

    private static void WriteIfPositive(Utf8JsonWriter json, string name, int? value)
    {
        if (value is > 0)
            json.WriteNumber(name, value.Value);
    }
}
