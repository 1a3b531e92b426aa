namespace Particle.Linux;

/// <summary>Kernel settings under /proc/sys, of the network namespace the calling thread is in.</summary>
public static class Sysctl
{
    /// <summary>Reads "net.ipv4.ip_forward" and the like; throws an <see cref="IOException"/> naming the setting.</summary>
    public static string Read(string name)
    {
        try
        {
            return File.ReadAllText(PathOf(name)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read sysctl {name}: {e.Message}", e);
        }
    }

    /// <summary>Writes the setting when it differs; true when it was changed.</summary>
    public static bool Ensure(string name, string value)
    {
        if (Read(name) == value)
            return false;
        try
        {
            File.WriteAllText(PathOf(name), value);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot set sysctl {name}={value}: {e.Message}", e);
        }
    }

    private static string PathOf(string name)
    {
        if (name.Contains("..", StringComparison.Ordinal) || name.StartsWith('/'))
            throw new ArgumentException($"not a sysctl name: {name}", nameof(name));
        return "/proc/sys/" + name.Replace('.', '/');
    }
}
