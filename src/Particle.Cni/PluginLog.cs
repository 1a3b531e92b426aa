using System.Diagnostics;
using System.Text;
using Particle.Linux;

namespace Particle.Cni;

public enum PluginLogLevel
{
    /// <summary>Only invocations that failed.</summary>
    Error,
    /// <summary>Every invocation, one line each.</summary>
    Info,
    /// <summary>Every invocation, with CNI_ARGS and CNI_PATH too.</summary>
    Debug,
}

/// <summary>
/// The operator's log: one line per invocation in the file the network configuration names ("logFile"),
/// never stdout (the runtime's) and nothing at all when no file is named. A line says when, which verb,
/// which container, namespace and interface, the network, the outcome and how long it took. Logging
/// never fails a verb: a file that cannot be written costs one line on stderr. The line is written once,
/// after the answer is on stdout, so the runtime does not wait for it.
/// </summary>
internal static class PluginLog
{
    /// <summary>Bound of the file; beyond it the file is rotated to PATH.1 (see <see cref="AppendOnlyLog"/>).</summary>
    public const long MaxBytes = 8L << 20;

    public const string LevelNames = "\"error\", \"info\", \"debug\"";

    public static bool TryParseLevel(string name, out PluginLogLevel level)
    {
        (bool known, level) = name switch
        {
            "error" => (true, PluginLogLevel.Error),
            "info" => (true, PluginLogLevel.Info),
            "debug" => (true, PluginLogLevel.Debug),
            _ => (false, PluginLogLevel.Info),
        };
        return known;
    }

    public static void Write(NetConf conf, CniEnvironment env, CniError? error, long startedTimestamp)
    {
        if (conf.LogFile is not { } path || (error is null && conf.LogLevel == PluginLogLevel.Error))
            return;
        byte[] line = Format(conf, env, error, Stopwatch.GetElapsedTime(startedTimestamp), DateTime.UtcNow);
        try
        {
            try
            {
                AppendOnlyLog.Append(path, line, MaxBytes);
            }
            catch (LinuxException e) when (e.Errno == Errno.ENOENT && Path.GetDirectoryName(path) is { } folder && !Directory.Exists(folder))
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                AppendOnlyLog.Append(path, line, MaxBytes);
            }
        }
        catch (Exception e) when (e is LinuxException or IOException or UnauthorizedAccessException)
        {
            StdErr.Log($"cannot write the log file {path}: {e.Message}");
        }
    }

    internal static byte[] Format(NetConf conf, CniEnvironment env, CniError? error, TimeSpan elapsed, DateTime now)
    {
        var line = new StringBuilder(256);
        line.Append(now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        line.Append(' ').Append(env.Command);
        Field(line, "container", env.ContainerId);
        Field(line, "netns", env.Netns);
        Field(line, "ifname", env.IfName);
        Field(line, "network", conf.Name);
        if (error is null)
        {
            line.Append(" outcome=ok");
        }
        else
        {
            line.Append(" outcome=error code=").Append(error.Code);
            Field(line, "msg", error.Msg, quoteAlways: true);
        }
        line.Append(" ms=").Append(elapsed.TotalMilliseconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture));
        if (conf.LogLevel == PluginLogLevel.Debug)
        {
            Field(line, "args", string.Join(";", env.Args.Select(a => $"{a.Key}={a.Value}")));
            Field(line, "path", env.Path);
        }
        line.Append('\n');
        return Encoding.UTF8.GetBytes(line.ToString());
    }

    /// <summary>key=value; quoted when empty or holding a space or quote, control characters escaped, so a line stays one line.</summary>
    private static void Field(StringBuilder line, string key, string value, bool quoteAlways = false)
    {
        line.Append(' ').Append(key).Append('=');
        bool quote = quoteAlways || value.Length == 0 || value.AsSpan().IndexOfAny(" \"") >= 0;
        if (quote)
            line.Append('"');
        foreach (char c in value)
        {
            if (c == '"' || c == '\\')
                line.Append('\\').Append(c);
            else if (char.IsControl(c))
                line.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else
                line.Append(c);
        }
        if (quote)
            line.Append('"');
    }
}
