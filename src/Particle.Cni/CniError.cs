using Particle.Protocol;

namespace Particle.Cni;

/// <summary>
/// A failure at the CNI boundary. Errors travel as values up to <see cref="PluginRunner"/>, which prints
/// the one error JSON document on stdout (libcni reads stdout first) and exits 1.
/// </summary>
internal sealed record CniError(int Code, string Msg, string? Details = null)
{
    public static CniError InvalidEnv(string variable, string problem) =>
        new(ErrorCodes.InvalidEnvironment, $"{variable} {problem}");

    public static CniError Decode(string problem) => new(ErrorCodes.DecodeFailure, problem);

    public static CniError InvalidConfig(string problem) => new(ErrorCodes.InvalidNetworkConfig, problem);

    public static CniError IncompatibleVersion(string problem) => new(ErrorCodes.IncompatibleVersion, problem);

    public byte[] ToJson(string cniVersion)
    {
        var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer, JsonOutput.WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("cniVersion", cniVersion);
            json.WriteNumber("code", Code);
            json.WriteString("msg", Msg);
            // Like the Go type (details,omitempty): absent rather than an empty string.
            if (!string.IsNullOrEmpty(Details))
                json.WriteString("details", Details);
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
