using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// particled running inside a node's network namespace, its output appended to the node's log. Started
/// with nsenter --net, not ip netns exec: the daemon stays in the host mount namespace, as under systemd,
/// so bind mounts it makes (the namespace pool's) are seen by everyone and outlive it.
/// </summary>
public sealed class DaemonProcess
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;

    private DaemonProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Starts particled and returns once its socket accepts connections (at most 15 s).</summary>
    /// <param name="what">Names the node in failures.</param>
    /// <param name="daemonPath">Another particled than the one under test (an earlier release's, for the upgrade tests).</param>
    public static DaemonProcess Start(string what, string netns, string configPath, string socketPath, StringBuilder log, string? daemonPath = null)
    {
        var info = new ProcessStartInfo("nsenter") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { $"--net=/run/netns/{netns}", daemonPath ?? Binaries.Daemon, "--config", configPath })
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                // The parameterless wait also waits for the redirected output to be read to its end.
                process.WaitForExit();
                throw new InvalidOperationException($"{what}: particled exited with {process.ExitCode}:\n{Text(log)}");
            }
            if (CanConnect(socketPath))
                return new DaemonProcess(process);
            Thread.Sleep(20);
        }
        process.Kill();
        process.WaitForExit();
        throw new TimeoutException($"{what}: particled did not open {socketPath} within {StartTimeout.TotalSeconds} s:\n{Text(log)}");
    }

    /// <summary>SIGKILL: no chance to clean up, as in a crash or an OOM kill.</summary>
    public void Kill()
    {
        if (_process.HasExited)
            return;
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>SIGTERM and wait for an orderly exit; returns the exit code.</summary>
    public int Stop(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            Shell.Check("kill", "-TERM", _process.Id.ToString());
            if (!_process.WaitForExit(timeout))
                throw new TimeoutException($"particled (pid {_process.Id}) did not stop on SIGTERM within {timeout.TotalSeconds} s");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public static bool CanConnect(string socketPath)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Text(StringBuilder log)
    {
        lock (log)
            return log.ToString();
    }
}
