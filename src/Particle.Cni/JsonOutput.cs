using System.Text.Encodings.Web;
using System.Text.Json;

namespace Particle.Cni;

internal static class JsonOutput
{
    /// <summary>
    /// Relaxed escaping keeps messages and paths readable ("+" and non-ASCII stay as they are); the output
    /// is read by JSON parsers, never embedded in HTML.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
