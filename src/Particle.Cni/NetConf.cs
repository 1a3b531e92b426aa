using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Particle.Protocol;

namespace Particle.Cni;

/// <summary>
/// The plugin's configuration from stdin, validated in one place up front. Keys the plugin does not use
/// (capabilities, cni.dev/*, nerdctlID, ...) are tolerated and ignored, as the spec asks.
/// </summary>
internal sealed class NetConf
{
    public const int DefaultTimeoutSeconds = 10;
    public const int MaxTimeoutSeconds = 300;

    /// <summary>sun_path holds 108 bytes including the terminating NUL.</summary>
    private const int MaxSocketPathBytes = 107;

    public string CniVersion { get; private init; } = "";
    public string Name { get; private init; } = "";
    public string SocketPath { get; private init; } = Defaults.SocketPath;
    public string StateDirectory { get; private init; } = Defaults.StateDirectory;
    public int TimeoutSeconds { get; private init; } = DefaultTimeoutSeconds;
    /// <summary>The operator's log file; null when the configuration names none (then nothing is logged).</summary>
    public string? LogFile { get; private init; }
    public PluginLogLevel LogLevel { get; private init; } = PluginLogLevel.Info;
    public CniResult? PrevResult { get; private init; }
    /// <summary>GC only: null when the runtime sent no list (which means "none is valid").</summary>
    public List<AttachmentKey>? ValidAttachments { get; private init; }

    /// <summary>
    /// The cniVersion of a configuration, for VERSION and for error documents. A missing cniVersion
    /// is "0.1.0", as libcni's version.ConfigDecoder (used by skel) decides, so a pre-versioning config
    /// keeps working; null when the document is not readable at all.
    /// </summary>
    public static string? PeekVersion(ReadOnlySpan<byte> stdin)
    {
        try
        {
            var reader = new Utf8JsonReader(stdin);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isVersion = reader.ValueTextEquals("cniVersion"u8);
                reader.Read();
                if (isVersion)
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            return "0.1.0";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that escapes a lone surrogate ("\ud800") has no UTF-16 form.
            return null;
        }
    }

    public static bool TryParse(byte[] stdin, [NotNullWhen(true)] out NetConf? conf, [NotNullWhen(false)] out CniError? error)
    {
        conf = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stdin);
        }
        catch (JsonException e)
        {
            error = CniError.Decode(stdin.Length == 0
                ? "the network configuration on stdin is empty"
                : "the network configuration on stdin is not valid JSON: " + e.Message);
            return false;
        }

        using (document)
        {
            try
            {
                if (DuplicateKey(document.RootElement, "") is { } duplicate)
                {
                    error = CniError.Decode($"the network configuration has the key {duplicate} more than once");
                    return false;
                }
                if (MisspelledKey(document.RootElement) is { } misspelled)
                {
                    error = CniError.Decode(misspelled);
                    return false;
                }
                conf = Read(document.RootElement, out error);
                return conf is not null;
            }
            catch (FormatException e)
            {
                error = CniError.Decode("the network configuration is malformed: " + e.Message);
                return false;
            }
            catch (InvalidOperationException)
            {
                // JsonDocument checks the grammar, not the text inside strings: invalid UTF-8 or an escaped
                // lone surrogate only shows when a string is read (and the runtime's message is a bare resource key).
                error = CniError.Decode("the network configuration is malformed: a string in it is not valid UTF-8 or escapes a lone surrogate");
                return false;
            }
        }
    }

    /// <summary>
    /// Duplicate keys are refused rather than resolved: Go's encoding/json takes the last one and
    /// System.Text.Json's lookups may not, and two readers that disagree on a document are how a
    /// configuration says one thing to the runtime and another to the plugin. The first duplicate as
    /// a JSON-path-like "a.b", quoted; null when every object's keys are unique. JsonDocument's depth
    /// limit (64) bounds the recursion.
    /// </summary>
    private static string? DuplicateKey(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    string here = path.Length == 0 ? property.Name : path + "." + property.Name;
                    if (!seen.Add(property.Name))
                        return $"\"{here}\"";
                    if (DuplicateKey(property.Value, here) is { } inner)
                        return inner;
                }
                return null;
            case JsonValueKind.Array:
                int index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (DuplicateKey(item, $"{path}[{index++}]") is { } inner)
                        return inner;
                }
                return null;
            default:
                return null;
        }
    }

    /// <summary>The keys read here; Go's encoding/json would match each of them in any letter case.</summary>
    private static readonly string[] KnownKeys =
        ["cniVersion", "cniVersions", "name", "type", "socket", "stateDir", "timeoutSeconds", "logFile", "logLevel", "prevResult",
         "runtimeConfig", "args", "capabilities", "plugins", "cni.dev/valid-attachments", "cni.dev/attachments"];

    /// <summary>
    /// A key that is a known key in another letter case ("Name", "SOCKET"): Go's decoder, and so libcni
    /// and the runtime, would take it as that key, while this plugin would ignore it. Refused so the two
    /// never disagree on which socket or network is meant.
    /// </summary>
    private static string? MisspelledKey(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return null;
        foreach (var property in root.EnumerateObject())
        {
            foreach (string known in KnownKeys)
            {
                if (property.Name != known && property.Name.Equals(known, StringComparison.OrdinalIgnoreCase))
                    return $"the network configuration has the key \"{property.Name}\", which is \"{known}\" in another letter case; spell it \"{known}\"";
            }
        }
        return null;
    }

    private static NetConf? Read(JsonElement root, out CniError? error)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new FormatException("it must be a JSON object");

        string version = OptionalString(root, "cniVersion") ?? "";
        if (version.Length == 0)
            version = "0.1.0";
        if (!Cni.CniVersion.IsSupported(version))
        {
            error = CniError.IncompatibleVersion($"incompatible CNI versions: config is \"{version}\", plugin supports [{Cni.CniVersion.SupportedList}]");
            return null;
        }

        if (root.TryGetProperty("plugins", out _))
        {
            error = CniError.InvalidConfig("got a network configuration list (it has \"plugins\"); a single plugin configuration was expected");
            return null;
        }

        string name = OptionalString(root, "name") ?? "";
        if (!Names.IsValidIdentifier(name))
        {
            error = CniError.InvalidConfig(name.Length == 0
                ? "the network configuration has no \"name\""
                : $"network name \"{name}\" must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");
            return null;
        }

        OptionalString(root, "type");
        RequireObjectIfPresent(root, "runtimeConfig");
        RequireObjectIfPresent(root, "args");
        RequireObjectIfPresent(root, "capabilities");

        string socket = OptionalString(root, "socket") ?? Defaults.SocketPath;
        if (!socket.StartsWith('/') || Encoding.UTF8.GetByteCount(socket) > MaxSocketPathBytes)
        {
            error = CniError.InvalidConfig($"\"socket\" \"{socket}\" must be an absolute path of at most {MaxSocketPathBytes} bytes");
            return null;
        }

        string stateDir = OptionalString(root, "stateDir") ?? Defaults.StateDirectory;
        if (!stateDir.StartsWith('/') || Encoding.UTF8.GetByteCount(stateDir) > CniEnvironment.MaxValueBytes)
        {
            error = CniError.InvalidConfig($"\"stateDir\" \"{stateDir}\" must be an absolute path");
            return null;
        }

        int timeout = DefaultTimeoutSeconds;
        if (root.TryGetProperty("timeoutSeconds", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            if (t.ValueKind != JsonValueKind.Number || !t.TryGetInt32(out timeout))
                throw new FormatException("\"timeoutSeconds\" must be a whole number");
            if (timeout is < 1 or > MaxTimeoutSeconds)
            {
                error = CniError.InvalidConfig($"\"timeoutSeconds\" is {timeout}; it must be within 1..{MaxTimeoutSeconds}");
                return null;
            }
        }

        string? logFile = OptionalString(root, "logFile");
        if (logFile is not null && (!logFile.StartsWith('/') || logFile.EndsWith('/') || Encoding.UTF8.GetByteCount(logFile) > CniEnvironment.MaxValueBytes
            || logFile.Any(char.IsControl)))
        {
            error = CniError.InvalidConfig($"\"logFile\" \"{Names.Printable(logFile.Length > 80 ? logFile[..80] + "..." : logFile)}\" must be an absolute path of a file");
            return null;
        }
        string? levelName = OptionalString(root, "logLevel");
        var level = PluginLogLevel.Info;
        if (levelName is not null && !PluginLog.TryParseLevel(levelName, out level))
        {
            error = CniError.InvalidConfig($"\"logLevel\" \"{Names.Printable(levelName.Length > 20 ? levelName[..20] + "..." : levelName)}\" must be one of {PluginLog.LevelNames}");
            return null;
        }

        CniResult? prevResult = null;
        if (root.TryGetProperty("prevResult", out var prev) && prev.ValueKind != JsonValueKind.Null)
        {
            if (!PrevResultParser.TryParse(prev, out prevResult, out string? problem))
            {
                error = CniError.Decode(problem);
                return null;
            }
        }

        // libcni sends both keys; the newer one wins when present.
        var valid = ReadAttachments(root, "cni.dev/valid-attachments") ?? ReadAttachments(root, "cni.dev/attachments");

        error = null;
        return new NetConf
        {
            CniVersion = version,
            Name = name,
            SocketPath = socket,
            StateDirectory = stateDir,
            TimeoutSeconds = timeout,
            LogFile = logFile,
            LogLevel = level,
            PrevResult = prevResult,
            ValidAttachments = valid,
        };
    }

    private static List<AttachmentKey>? ReadAttachments(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var list) || list.ValueKind == JsonValueKind.Null)
            return null;
        if (list.ValueKind != JsonValueKind.Array)
            throw new FormatException($"\"{key}\" must be an array");
        var keys = new List<AttachmentKey>();
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
                throw new FormatException($"\"{key}\" entries must be objects");
            string containerId = OptionalString(item, "containerID") ?? "";
            string ifName = OptionalString(item, "ifname") ?? "";
            if (containerId.Length == 0 || ifName.Length == 0)
                throw new FormatException($"\"{key}\" entries need \"containerID\" and \"ifname\"");
            keys.Add(new AttachmentKey { ContainerId = containerId, IfName = ifName });
        }
        return keys;
    }

    /// <summary>JSON null counts as absent, as it does for Go's encoding/json.</summary>
    private static string? OptionalString(JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new FormatException($"\"{key}\" must be a string");
    }

    private static void RequireObjectIfPresent(JsonElement obj, string key)
    {
        if (obj.TryGetProperty(key, out var value) && value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            throw new FormatException($"\"{key}\" must be an object");
    }
}
