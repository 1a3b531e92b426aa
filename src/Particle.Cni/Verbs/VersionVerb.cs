using System.Text.Json;

namespace Particle.Cni.Verbs;

/// <summary>
/// VERSION never fails on its input: libcni and Podman use it to validate a network, and it must work with
/// libcni's "dummy" environment and with an empty stdin.
/// </summary>
internal static class VersionVerb
{
    public static void Run(ReadOnlySpan<byte> stdin, Stream stdout)
    {
        // Echo the caller's version when it is one we speak; anything else gets our latest.
        string? asked = stdin.Trim(" \t\r\n"u8).IsEmpty ? null : NetConf.PeekVersion(stdin);
        string version = asked is not null && CniVersion.IsSupported(asked) ? asked : CniVersion.Latest;

        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("cniVersion", version);
            json.WriteStartArray("supportedVersions");
            foreach (string v in CniVersion.Supported)
                json.WriteStringValue(v);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        stdout.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
