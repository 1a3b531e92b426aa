using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Particle.Cni.Tests;

/// <summary>
/// The plugin's encoder (AsciiFirstRelaxedEncoder) must write exactly what UnsafeRelaxedJsonEscaping
/// writes: the runtime, the daemon and the operator's tools read these bytes.
/// </summary>
public sealed class JsonOutputTests
{
    private static readonly JsonWriterOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Write(JsonWriterOptions options, string value, bool asUtf8, bool asName)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            if (asName && asUtf8)
                json.WriteString(Encoding.UTF8.GetBytes(value), "v");
            else if (asName)
                json.WriteString(value, "v");
            else if (asUtf8)
                json.WriteString("k", Encoding.UTF8.GetBytes(value));
            else
                json.WriteString("k", value);
            json.WriteEndObject();
        }
        return Convert.ToHexString(buffer.WrittenSpan);
    }

    private static void Same(string value)
    {
        foreach (bool asUtf8 in new[] { false, true })
        {
            foreach (bool asName in new[] { false, true })
            {
                Write(JsonOutput.WriterOptions, value, asUtf8, asName).Should()
                    .Be(Write(Relaxed, value, asUtf8, asName), $"for U+{(value.Length > 0 ? (int)value[0] : 0):X4}... utf8={asUtf8} name={asName}");
            }
        }
    }

    [Fact]
    public void Every_BMP_code_point_is_written_as_the_relaxed_encoder_writes_it()
    {
        for (int c = 0; c <= 0xFFFF; c++)
        {
            string one = ((char)c).ToString();
            // Alone, after plain ASCII (the encoder's own scan) and before it.
            Same(one);
            Same("ab/c-" + one);
            Same(one + "xyz");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain /run/netns/pod-1 eth0 10.0.0.2/24")]
    [InlineData("quote \" backslash \\ tab \t newline \n nul \0 del \u007f")]
    [InlineData("html <a href='x'>&amp;</a> + `tick`")]
    [InlineData("naïve café 日本語 \U0001F600 emoji")]
    [InlineData("lone \ud800 surrogate and \udc00 another")]
    [InlineData("line \u2028 separator \u2029 and bom \ufeff and nbsp \u00a0 and soft hyphen \u00ad")]
    [InlineData("ascii then é then \" then \U0001F600 then \n")]
    public void Mixed_text_is_written_as_the_relaxed_encoder_writes_it(string value) => Same(value);

    [Fact]
    public void Ascii_rules_match_the_relaxed_encoder()
    {
        for (int c = 0; c < 0x80; c++)
            AsciiFirstRelaxedEncoder.AsciiNeedsEscaping(c).Should().Be(JavaScriptEncoder.UnsafeRelaxedJsonEscaping.WillEncode(c), $"U+{c:X4}");
    }

    [Fact]
    public void Invalid_utf8_is_written_as_the_relaxed_encoder_writes_it()
    {
        byte[][] inputs = [[0x61, 0xFF, 0x62], [0xC3], [0x61, 0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98], [0x22, 0xC3, 0xA9, 0x5C]];
        foreach (byte[] input in inputs)
        {
            string Run(JsonWriterOptions options)
            {
                var buffer = new ArrayBufferWriter<byte>();
                try
                {
                    using var json = new Utf8JsonWriter(buffer, options);
                    json.WriteStartObject();
                    json.WriteString("k", input);
                    json.WriteEndObject();
                }
                catch (ArgumentException e)
                {
                    return "throws " + e.GetType().Name;
                }
                return Convert.ToHexString(buffer.WrittenSpan);
            }
            Run(JsonOutput.WriterOptions).Should().Be(Run(Relaxed), Convert.ToHexString(input));
        }
    }
}
