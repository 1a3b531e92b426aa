using System.Text.Encodings.Web;
using System.Text.Json;

namespace Particle.Cni;

internal static class JsonOutput
{
    /// <summary>
    /// Relaxed escaping keeps messages and paths readable ("+" and non-ASCII stay as they are); the output
    /// is read by JSON parsers, never embedded in HTML. Byte for byte what
    /// <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> writes (<see cref="AsciiFirstRelaxedEncoder"/>).
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = AsciiFirstRelaxedEncoder.Instance };
}

/// <summary>
/// <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> without its start-up cost on the common path.
/// Its static constructor (shared with <see cref="JavaScriptEncoder.Default"/>) fills a bitmap of every
/// code point one by one, about 0.25 ms of CPU: a tenth of a plugin process that lives 3 ms, on every
/// invocation, for strings that are almost always plain ASCII (names, paths, addresses, messages).
/// This encoder answers "does anything here need escaping" itself while the text is ASCII, where the
/// relaxed rules are simple (control characters, DEL, the quote and the backslash; nothing else), and
/// hands everything else (non-ASCII text, and the escaping itself) to the relaxed encoder, which is
/// only then created. Tests compare the two over every BMP code point and through Utf8JsonWriter.
/// </summary>
internal sealed class AsciiFirstRelaxedEncoder : JavaScriptEncoder
{
    public static readonly AsciiFirstRelaxedEncoder Instance = new();

    private AsciiFirstRelaxedEncoder()
    {
    }

    private static JavaScriptEncoder Relaxed => UnsafeRelaxedJsonEscaping;

    /// <summary>An ASCII character the relaxed encoder escapes (it allows every other one).</summary>
    internal static bool AsciiNeedsEscaping(int c) => c < 0x20 || c == 0x7F || c == '"' || c == '\\';

    public override int MaxOutputCharactersPerInputCharacter => Relaxed.MaxOutputCharactersPerInputCharacter;

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (int i = 0; i < textLength; i++)
        {
            char c = text[i];
            if (c >= 0x80)
            {
                int rest = Relaxed.FindFirstCharacterToEncode(text + i, textLength - i);
                return rest < 0 ? -1 : i + rest;
            }
            if (AsciiNeedsEscaping(c))
                return i;
        }
        return -1;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        for (int i = 0; i < utf8Text.Length; i++)
        {
            byte b = utf8Text[i];
            if (b >= 0x80)
            {
                int rest = Relaxed.FindFirstCharacterToEncodeUtf8(utf8Text[i..]);
                return rest < 0 ? -1 : i + rest;
            }
            if (AsciiNeedsEscaping(b))
                return i;
        }
        return -1;
    }

    public override System.Buffers.OperationStatus EncodeUtf8(ReadOnlySpan<byte> utf8Source, Span<byte> utf8Destination,
        out int bytesConsumed, out int bytesWritten, bool isFinalBlock = true) =>
        Relaxed.EncodeUtf8(utf8Source, utf8Destination, out bytesConsumed, out bytesWritten, isFinalBlock);

    public override System.Buffers.OperationStatus Encode(ReadOnlySpan<char> source, Span<char> destination,
        out int charsConsumed, out int charsWritten, bool isFinalBlock = true) =>
        Relaxed.Encode(source, destination, out charsConsumed, out charsWritten, isFinalBlock);

    public override string Encode(string value) => Relaxed.Encode(value);

    public override void Encode(TextWriter output, string value, int startIndex, int characterCount) =>
        Relaxed.Encode(output, value, startIndex, characterCount);

    public override void Encode(TextWriter output, char[] value, int startIndex, int characterCount) =>
        Relaxed.Encode(output, value, startIndex, characterCount);

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten) =>
        Relaxed.TryEncodeUnicodeScalar(unicodeScalar, buffer, bufferLength, out numberOfCharactersWritten);

    public override bool WillEncode(int unicodeScalar) =>
        unicodeScalar < 0x80 ? AsciiNeedsEscaping(unicodeScalar) : Relaxed.WillEncode(unicodeScalar);
}
