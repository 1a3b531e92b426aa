using System.Text.Json;
using Particle.Protocol;

namespace Particle.Cni;

/// <summary>
/// The plugin's side of the daemon messages, written with Utf8JsonWriter and read with JsonDocument
/// (both already in use for the config and the result). The source-generated serializer the daemon uses
/// costs about a millisecond of first-use set-up per process (0.6 ms to write a request, 0.4 ms to read
/// a reply, measured), which a process that lives for a few milliseconds pays on every ADD. The wire
/// format is the same; tests check both directions against the serializer.
/// </summary>
internal static class DaemonMessages
{
    public static byte[] Write(DaemonRequest request)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("verb", request.Verb);
            json.WriteString("network", request.Network);
            WriteIfSet(json, "containerId", request.ContainerId);
            WriteIfSet(json, "ifName", request.IfName);
            WriteIfSet(json, "netns", request.Netns);
            if (request.Args is { } args)
            {
                json.WriteStartObject("args");
                foreach (var (key, value) in args)
                    json.WriteString(key, value);
                json.WriteEndObject();
            }
            if (request.ExpectedAddresses is { } addresses)
            {
                json.WriteStartArray("expectedAddresses");
                foreach (var address in addresses)
                    json.WriteStringValue(address);
                json.WriteEndArray();
            }
            if (request.ValidAttachments is { } valid)
            {
                json.WriteStartArray("validAttachments");
                foreach (var attachment in valid)
                {
                    json.WriteStartObject();
                    json.WriteString("containerId", attachment.ContainerId);
                    json.WriteString("ifName", attachment.IfName);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <exception cref="JsonException">The reply is not JSON, or not shaped like a response.</exception>
    public static DaemonResponse? Read(byte[] reply)
    {
        using var document = JsonDocument.Parse(reply);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Null)
            return null;
        try
        {
            return new DaemonResponse
            {
                Code = root.TryGetProperty("code", out var code) ? code.GetInt32() : 0,
                Message = String(root, "message"),
                Details = String(root, "details"),
                Result = root.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object ? ReadResult(result) : null,
            };
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException($"the reply is not shaped like a daemon response: {e.Message}");
        }
        catch (FormatException e)
        {
            throw new JsonException($"the reply is not shaped like a daemon response: {e.Message}");
        }
    }

    private static AttachmentResult ReadResult(JsonElement result) => new()
    {
        Interfaces = Array(result, "interfaces", i => new ResultInterface
        {
            Name = String(i, "name") ?? "",
            Mac = String(i, "mac"),
            Mtu = Int(i, "mtu"),
            Sandbox = String(i, "sandbox"),
        }),
        Ips = Array(result, "ips", ip => new ResultIp
        {
            Address = String(ip, "address") ?? "",
            Gateway = String(ip, "gateway"),
            Interface = Int(ip, "interface"),
        }),
        Routes = Array(result, "routes", r => new ResultRoute { Dst = String(r, "dst") ?? "", Gw = String(r, "gw"), Mtu = Int(r, "mtu") }),
        Dns = result.TryGetProperty("dns", out var dns) && dns.ValueKind == JsonValueKind.Object
            ? new ResultDns
            {
                Nameservers = Strings(dns, "nameservers"),
                Domain = String(dns, "domain"),
                Search = Strings(dns, "search"),
                Options = Strings(dns, "options"),
            }
            : null,
    };

    private static List<T> Array<T>(JsonElement parent, string name, Func<JsonElement, T> read) =>
        parent.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Select(read).ToList()
            : [];

    private static List<string>? Strings(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Select(e => e.GetString() ?? "").ToList()
            : null;

    private static string? String(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetString() : null;

    private static int? Int(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetInt32() : null;

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
            json.WriteString(name, value);
    }
}
