using System.Text;

namespace Particle.Cni;

/// <summary>The name rules of libcni's validation (pkg/utils), written as loops so start-up needs no Regex.</summary>
internal static class Names
{
    /// <summary>Linux IFNAMSIZ is 16 bytes including the terminating NUL.</summary>
    public const int MaxInterfaceNameBytes = 15;

    /// <summary>^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$, the rule for container ids and network names.</summary>
    public static bool IsValidIdentifier(string value)
    {
        if (value.Length == 0 || !char.IsAsciiLetterOrDigit(value[0]))
            return false;
        foreach (char c in value.AsSpan(1))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '.' && c != '-')
                return false;
        }
        return true;
    }

    /// <summary>Why the kernel would refuse the interface name, or null when it is acceptable.</summary>
    public static string? InterfaceNameProblem(string name)
    {
        if (name.Length == 0)
            return "is empty";
        if (Encoding.UTF8.GetByteCount(name) > MaxInterfaceNameBytes)
            return $"\"{name}\" is longer than {MaxInterfaceNameBytes} bytes";
        if (name is "." or "..")
            return $"\"{name}\" is not a valid interface name";
        foreach (char c in name)
        {
            if (c == '/' || c == ':' || c == '\0' || char.IsWhiteSpace(c))
                return $"\"{name}\" contains '/', ':', NUL or whitespace";
        }
        return null;
    }
}
