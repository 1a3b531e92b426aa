using System.Text.Json;

namespace Particle.Protocol;

/// <summary>
/// The daemon's reading of one request frame. Whatever the bytes, the answer is a request or a typed
/// refusal (the text particled sends back with code 6): nothing a peer sends escapes as an exception.
/// </summary>
public static class DaemonRequestDecoder
{
    public static DaemonRequest? TryDecode(ReadOnlySpan<byte> frame, out string? error)
    {
        error = null;
        try
        {
            var request = JsonSerializer.Deserialize(frame, ProtocolJsonContext.Default.DaemonRequest);
            if (request is null)
                error = "request is null";
            return request;
        }
        catch (JsonException e)
        {
            error = $"request is not valid JSON: {e.Message}";
            return null;
        }
    }
}
