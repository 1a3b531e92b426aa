using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Particle.Cni;

/// <summary>The CNI_* variables of one invocation, checked against what the verb needs (cni-spec.md table).</summary>
internal sealed class CniEnvironment
{
    public const string Add = "ADD";
    public const string Del = "DEL";
    public const string Check = "CHECK";
    public const string Status = "STATUS";
    public const string Gc = "GC";
    public const string Version = "VERSION";

    /// <summary>Far above any real path or id; stops a runaway value from reaching the daemon or the kernel.</summary>
    public const int MaxValueBytes = 4096;

    /// <summary>CNI_ARGS and CNI_PATH legitimately grow with labels and search paths.</summary>
    public const int MaxListBytes = 64 * 1024;

    private static readonly string[] Commands = [Add, Del, Check, Status, Gc, Version];

    public string Command { get; private init; } = "";
    public string ContainerId { get; private init; } = "";
    /// <summary>Empty when not given (DEL may come without a namespace).</summary>
    public string Netns { get; private init; } = "";
    public string IfName { get; private init; } = "";
    public string Path { get; private init; } = "";
    /// <summary>The CNI_ARGS pairs forwarded to the daemon (K8S_POD_NAME and friends).</summary>
    public Dictionary<string, string> Args { get; private init; } = [];

    public static bool TryRead(
        IReadOnlyDictionary<string, string> env,
        [NotNullWhen(true)] out CniEnvironment? result,
        [NotNullWhen(false)] out CniError? error)
    {
        result = null;
        string command = Get(env, "CNI_COMMAND");
        if (command.Length == 0)
        {
            error = CniError.InvalidEnv("CNI_COMMAND", "is not set; expected one of " + string.Join(", ", Commands));
            return false;
        }
        if (Array.IndexOf(Commands, command) < 0)
        {
            error = CniError.InvalidEnv("CNI_COMMAND", $"has the unknown value \"{Truncate(command)}\"; expected one of {string.Join(", ", Commands)}");
            return false;
        }

        // VERSION needs nothing else: libcni sends "dummy" values and an empty container id, which must
        // not be judged.
        if (command == Version)
        {
            result = new CniEnvironment { Command = command };
            error = null;
            return true;
        }

        bool perContainer = command is Add or Del or Check;
        bool needsNetns = command is Add or Check;
        bool needsPath = command == Gc;

        string containerId = "", ifName = "", netns = "", path = "";
        var args = new Dictionary<string, string>();

        if (needsPath && !TryRequire(env, "CNI_PATH", MaxListBytes, out path, out error))
            return false;
        if (!needsPath && !TryOptional(env, "CNI_PATH", MaxListBytes, out path, out error))
            return false;

        if (perContainer)
        {
            if (!TryRequire(env, "CNI_CONTAINERID", MaxValueBytes, out containerId, out error))
                return false;
            if (!Names.IsValidIdentifier(containerId))
            {
                error = CniError.InvalidEnv("CNI_CONTAINERID", $"\"{Truncate(containerId)}\" must match ^[a-zA-Z0-9][a-zA-Z0-9_.\\-]*$");
                return false;
            }

            if (needsNetns && !TryRequire(env, "CNI_NETNS", MaxValueBytes, out netns, out error))
                return false;
            if (!needsNetns && !TryOptional(env, "CNI_NETNS", MaxValueBytes, out netns, out error))
                return false;
            if (NetnsProblem(netns) is { } netnsProblem)
            {
                error = CniError.InvalidEnv("CNI_NETNS", netnsProblem);
                return false;
            }

            if (!TryRequire(env, "CNI_IFNAME", MaxValueBytes, out ifName, out error))
                return false;
            if (Names.InterfaceNameProblem(ifName) is { } problem)
            {
                error = CniError.InvalidEnv("CNI_IFNAME", Truncate(problem));
                return false;
            }

            if (!TryOptional(env, "CNI_ARGS", MaxListBytes, out string rawArgs, out error))
                return false;
            if (!CniArgs.TryParse(rawArgs, out var parsed, out error))
                return false;
            args = parsed;
        }

        result = new CniEnvironment
        {
            Command = command,
            ContainerId = containerId,
            Netns = netns,
            IfName = ifName,
            Path = path,
            Args = args,
        };
        error = null;
        return true;
    }

    /// <summary>
    /// The path is opened by particled (and, for a DEL without it, by this plugin), so it must mean the
    /// same to both: absolute, and not through /proc/self, which names a different process in each.
    /// Null when acceptable (or empty: DEL may come without one).
    /// </summary>
    private static string? NetnsProblem(string netns)
    {
        if (netns.Length == 0)
            return null;
        if (!netns.StartsWith('/'))
            return $"\"{Truncate(netns)}\" is not an absolute path";
        foreach (char c in netns)
        {
            if (char.IsControl(c))
                return $"\"{Truncate(netns)}\" contains a control character";
        }
        foreach (string self in (ReadOnlySpan<string>)["/proc/self/", "/proc/thread-self/"])
        {
            if (netns.StartsWith(self, StringComparison.Ordinal) || netns == self.TrimEnd('/'))
                return $"\"{Truncate(netns)}\" goes through {self.TrimEnd('/')}, which names particled itself there, not the container";
        }
        return null;
    }

    private static string Get(IReadOnlyDictionary<string, string> env, string name) =>
        env.TryGetValue(name, out string? value) ? value : "";

    private static bool TryRequire(IReadOnlyDictionary<string, string> env, string name, int maxBytes, out string value, [NotNullWhen(false)] out CniError? error)
    {
        value = Get(env, name);
        if (value.Length == 0)
        {
            error = CniError.InvalidEnv(name, "is not set");
            return false;
        }
        return CheckLength(name, value, maxBytes, out error);
    }

    private static bool TryOptional(IReadOnlyDictionary<string, string> env, string name, int maxBytes, out string value, [NotNullWhen(false)] out CniError? error)
    {
        value = Get(env, name);
        return CheckLength(name, value, maxBytes, out error);
    }

    private static bool CheckLength(string name, string value, int maxBytes, [NotNullWhen(false)] out CniError? error)
    {
        int bytes = Encoding.UTF8.GetByteCount(value);
        error = bytes > maxBytes ? CniError.InvalidEnv(name, $"is {bytes} bytes long; the limit is {maxBytes}") : null;
        return error is null;
    }

    /// <summary>Error messages quote values, but never a huge one.</summary>
    private static string Truncate(string value) => Names.Printable(value.Length <= 80 ? value : value[..80] + "...");
}
