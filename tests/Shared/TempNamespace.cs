using System.Diagnostics;
using System.Text.Json;
using Particle.Linux;

namespace Particle.Tests;

/// <summary>Shared by the Linux and Netlink tests. A network namespace of the test's own (`ip netns add pnl-XXXXXXXX`), deleted on Dispose.</summary>
public sealed class TempNamespace : IDisposable
{
    public TempNamespace(string prefix = "pnl")
    {
        Name = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
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

    /// <summary>`ip -n NAME -j ARGS...` parsed, to observe the kernel through an independent tool.</summary>
    public JsonElement IpJson(params string[] args)
    {
        string output = Ip(["-n", Name, "-j", .. args]);
        using JsonDocument document = JsonDocument.Parse(string.IsNullOrWhiteSpace(output) ? "[]" : output);
        return document.RootElement.Clone();
    }

    /// <summary>`bridge -n NAME -j ARGS...` parsed.</summary>
    public JsonElement BridgeJson(params string[] args)
    {
        string output = Run("bridge", ["-n", Name, "-j", .. args]);
        using JsonDocument document = JsonDocument.Parse(string.IsNullOrWhiteSpace(output) ? "[]" : output);
        return document.RootElement.Clone();
    }

    public static string Ip(params string[] args) => Run("ip", args);

    private static string Run(string tool, string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
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
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed: {error}");
        }
        return output;
    }
}
