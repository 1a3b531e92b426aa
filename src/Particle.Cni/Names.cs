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

    /// <summary>A value fit to quote in a one-line message: control characters become \uXXXX.</summary>
    public static string Printable(string value)
    {
        var text = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            if (char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
                text.Append($"\\u{(int)c:x4}");
            else
                text.Append(c);
        }
        return text.ToString();
    }

    /// <summary>Why the kernel would refuse the interface name, or null when it is acceptable.</summary>
    public static string? InterfaceNameProblem(string name)
    {
        if (name.Length == 0)
            return "is empty";
        if (Encoding.UTF8.GetByteCount(name) > MaxInterfaceNameBytes)
            return $"\"{Printable(name)}\" is longer than {MaxInterfaceNameBytes} bytes";
        if (name is "." or "..")
            return $"\"{name}\" is not a valid interface name";
        foreach (char c in name)
        {
            if (c == '/' || c == ':' || c == '\0' || char.IsWhiteSpace(c))
                return $"\"{Printable(name)}\" contains '/', ':', NUL or whitespace";
            // The kernel would take these, but a name that prints as something else (or as nothing) only
            // serves to confuse whoever reads `ip link` or a log; libcni lets them through, this plugin does not.
            if (char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
                return $"\"{Printable(name)}\" contains a control or invisible formatting character (U+{(int)c:X4})";
        }
        return null;
    }
}
