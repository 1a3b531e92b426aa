using System.Diagnostics;
using Particle.Linux;

namespace Particle.Linux.Tests;

/// <summary>A network namespace of the test's own (`ip netns add pnl-XXXXXXXX`), deleted on Dispose.</summary>
public sealed class TempNamespace : IDisposable
{
    public TempNamespace()
    {
        Name = $"pnl-{Guid.NewGuid().ToString("N")[..8]}";
        Ip("netns", "add", Name);
        try
        {
            Namespace = NetworkNamespace.Open(PathName);
        }
        catch
        {
            Ip("netns", "del", Name);
            throw;
        }
    }

    public string Name { get; }

    public string PathName => $"/run/netns/{Name}";

    public NetworkNamespace Namespace { get; }

    public void Dispose()
    {
        Namespace.Dispose();
        Ip("netns", "del", Name);
    }

    public static string Ip(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed: {error}");
        }
        return output;
    }
}
