using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text.Json;

namespace Particle.Cni;

/// <summary>
/// Reads a chained prevResult of any version. The 0.1.0/0.2.0 shape ("ip4"/"ip6" objects) is converted
/// the way libcni's convertFrom020 does: each becomes an ip without an interface, its routes join the list.
/// </summary>
internal static class PrevResultParser
{
    public static bool TryParse(JsonElement element, [NotNullWhen(true)] out CniResult? result, [NotNullWhen(false)] out string? problem)
    {
        result = null;
        try
        {
            if (element.ValueKind != JsonValueKind.Object)
                throw new FormatException("must be an object");
            var parsed = new CniResult();
            foreach (var property in element.EnumerateObject())
            {
                var value = property.Value;
                if (value.ValueKind == JsonValueKind.Null)
                    continue;
                switch (property.Name)
                {
                    case "interfaces":
                        foreach (var item in Items(value, "interfaces"))
                            parsed.Interfaces.Add(ReadInterface(item));
                        break;
                    case "ips":
                        foreach (var item in Items(value, "ips"))
                            parsed.Ips.Add(ReadIp(item, parsed));
                        break;
                    case "routes":
                        foreach (var item in Items(value, "routes"))
                            parsed.Routes.Add(ReadRoute(item, "routes"));
                        break;
                    case "dns":
                        parsed.Dns = ReadDns(value);
                        break;
                    case "ip4":
                    case "ip6":
                        ReadLegacyIp(value, property.Name, parsed);
                        break;
                }
            }
            // An out-of-range interface index is kept as is, like libcni does: it belongs to an earlier plugin,
            // and failing our ADD over it would help nobody.
            result = parsed;
            problem = null;
            return true;
        }
        catch (FormatException e)
        {
            problem = "prevResult: " + e.Message;
            return false;
        }
    }

    private static JsonElement.ArrayEnumerator Items(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : throw new FormatException($"{name} must be an array");

    private static CniInterface ReadInterface(JsonElement item)
    {
        RequireObject(item, "interfaces entry");
        return new CniInterface
        {
            Name = RequiredString(item, "name", "interfaces entry"),
            Mac = OptionalString(item, "mac"),
            Mtu = OptionalInt(item, "mtu"),
            Sandbox = OptionalString(item, "sandbox"),
            SocketPath = OptionalString(item, "socketPath"),
            PciId = OptionalString(item, "pciID"),
        };
    }

    private static CniIp ReadIp(JsonElement item, CniResult parsed)
    {
        RequireObject(item, "ips entry");
        string address = RequiredString(item, "address", "ips entry");
        RequirePrefix(address, "ips entry address");
        // "version" (0.3.x/0.4.0) is implied by the address, so it is read for its type only.
        OptionalString(item, "version");
        return new CniIp { Address = address, Gateway = OptionalString(item, "gateway"), Interface = OptionalInt(item, "interface") };
    }

    private static CniRoute ReadRoute(JsonElement item, string where)
    {
        RequireObject(item, where + " entry");
        string dst = RequiredString(item, "dst", where + " entry");
        RequirePrefix(dst, where + " entry dst");
        return new CniRoute
        {
            Dst = dst,
            Gw = OptionalString(item, "gw"),
            Mtu = OptionalInt(item, "mtu"),
            AdvMss = OptionalInt(item, "advmss"),
            Priority = OptionalInt(item, "priority"),
            Table = OptionalInt(item, "table"),
            Scope = OptionalInt(item, "scope"),
        };
    }

    private static void ReadLegacyIp(JsonElement value, string name, CniResult parsed)
    {
        RequireObject(value, name);
        string address = RequiredString(value, "ip", name);
        RequirePrefix(address, name + ".ip");
        parsed.Ips.Add(new CniIp { Address = address, Gateway = OptionalString(value, "gateway") });
        if (value.TryGetProperty("routes", out var routes) && routes.ValueKind != JsonValueKind.Null)
        {
            foreach (var route in Items(routes, name + ".routes"))
                parsed.Routes.Add(ReadRoute(route, name + ".routes"));
        }
    }

    private static CniDns ReadDns(JsonElement value)
    {
        RequireObject(value, "dns");
        return new CniDns
        {
            Nameservers = StringList(value, "nameservers"),
            Domain = OptionalString(value, "domain"),
            Search = StringList(value, "search"),
            Options = StringList(value, "options"),
        };
    }

    private static void RequireObject(JsonElement value, string what)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new FormatException($"{what} must be an object");
    }

    private static string RequiredString(JsonElement obj, string key, string where) =>
        OptionalString(obj, key) is { Length: > 0 } s ? s : throw new FormatException($"{where} has no \"{key}\"");

    private static string? OptionalString(JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new FormatException($"\"{key}\" must be a string");
    }

    private static int? OptionalInt(JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) ? n : throw new FormatException($"\"{key}\" must be an integer");
    }

    private static List<string> StringList(JsonElement obj, string key)
    {
        var list = new List<string>();
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return list;
        foreach (var item in Items(value, "dns." + key))
            list.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new FormatException($"dns.{key} must hold strings"));
        return list;
    }

    /// <summary>"address/prefix" as Go's ParseCIDR wants it; the address need not be the network base.</summary>
    private static void RequirePrefix(string value, string what)
    {
        int slash = value.IndexOf('/');
        if (slash > 0
            && IPAddress.TryParse(value.AsSpan(0, slash), out var address)
            && int.TryParse(value.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out int prefix)
            && prefix <= (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32))
            return;
        throw new FormatException($"{what} \"{value}\" is not an address with a prefix length");
    }
}
