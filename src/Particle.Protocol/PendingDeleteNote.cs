using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
namespace Particle.Protocol;

/// <summary>
/// Left by a DEL that could not reach particled, so the daemon releases the address once it is back:
/// &lt;stateDir&gt;/pending-del/&lt;hex sha256 of network\0containerId\0ifName&gt;.json. The name is
/// derived from the attachment so a repeated DEL rewrites the same note instead of adding another.
/// </summary>
public sealed class PendingDeleteNote
{
    public string Network { get; set; } = "";
    public string ContainerId { get; set; } = "";
    public string IfName { get; set; } = "";
    /// <summary>CNI_NETNS as given; empty when the runtime sent none.</summary>
    public string Netns { get; set; } = "";
    public long WrittenAtUnixMs { get; set; }

    public static string FileName(string network, string containerId, string ifName)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{network}\0{containerId}\0{ifName}"));
        return Convert.ToHexStringLower(hash) + ".json";
    }

    public static string Folder(string stateDirectory) => Path.Combine(stateDirectory, Defaults.PendingDeletesFolder);

    public string PathIn(string stateDirectory) => Path.Combine(Folder(stateDirectory), FileName(Network, ContainerId, IfName));

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, PendingDeleteJsonContext.Default.PendingDeleteNote);

    public static PendingDeleteNote? FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, PendingDeleteJsonContext.Default.PendingDeleteNote);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PendingDeleteNote))]
public sealed partial class PendingDeleteJsonContext : JsonSerializerContext;
