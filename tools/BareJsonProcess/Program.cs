using System.Text.Json;

// Reads the configuration the way a plugin must (all of stdin, parsed), answers as VERSION does.
using var input = Console.OpenStandardInput();
using var config = JsonDocument.Parse(input);
string version = config.RootElement.TryGetProperty("cniVersion", out var given) ? given.GetString() ?? "1.1.0" : "1.1.0";

using var output = Console.OpenStandardOutput();
using var writer = new Utf8JsonWriter(output);
writer.WriteStartObject();
writer.WriteString("cniVersion", version);
writer.WriteStartArray("supportedVersions");
foreach (var supported in new[] { "0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" })
    writer.WriteStringValue(supported);
writer.WriteEndArray();
writer.WriteEndObject();
