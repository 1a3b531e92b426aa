using System.Security.Cryptography;
using System.Text;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Cri;

/// <summary>
/// What a containerd instance leaves when it is killed instead of asked: running pause containers (runc
/// state under its runc root), shims (their command line names its socket), shim sockets under the fixed
/// /run/containerd/s, mounts under its folder (rootfs, shm, pinned namespaces) and pod cgroups. Each is
/// found by something only this instance has, and removed by id or path, never by a broad name.
/// </summary>
public static class ContainerdLeftovers
{
    /// <summary>Where every containerd 1.6 on the machine puts its shims' sockets, whatever its config says.</summary>
    public const string ShimSocketDir = "/run/containerd/s";

    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(10);

    public static void Remove(string dir, string runcRoot, string ns, string socket, IEnumerable<string> shimIds, string cgroupParent)
    {
        string root = Path.Combine(runcRoot, ns);
        if (Directory.Exists(root))
        {
            foreach (var id in Directory.EnumerateDirectories(root).Select(Path.GetFileName))
                Shell.Run("runc", ["--root", root, "delete", "--force", id!], timeout: ExitBound);
        }
        KillProcessesNaming(dir);
        // containerd 1.6 names a shim's socket by the SHA-256 of "<containerd socket>/<namespace>/<shim id>".
        foreach (var id in shimIds)
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{socket}/{ns}/{id}")));
            File.Delete(Path.Combine(ShimSocketDir, hash));
        }
        UnmountUnder(dir);
        RemoveCgroups(cgroupParent);
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>SIGKILL, by pid, every process whose command line contains <paramref name="marker"/> (a unique temp folder).</summary>
    private static void KillProcessesNaming(string marker)
    {
        var pids = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out int pid) || pid == Environment.ProcessId)
                continue;
            try
            {
                if (File.ReadAllText(Path.Combine(entry, "cmdline")).Replace('\0', ' ').Contains(marker, StringComparison.Ordinal))
                    pids.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        foreach (var pid in pids)
            Shell.Run("kill", ["-9", pid.ToString()]);
        Poll.Until(() => pids.All(p => !Directory.Exists($"/proc/{p}")), ExitBound);
    }

    /// <summary>Every mount point under <paramref name="dir"/>, deepest first.</summary>
    private static void UnmountUnder(string dir)
    {
        var points = File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => Unescape(l.Split(' ')[4]))
            .Where(p => p.StartsWith(dir + "/", StringComparison.Ordinal))
            .Distinct()
            .OrderByDescending(p => p.Length);
        foreach (var point in points)
        {
            if (Shell.Run("umount", [point]).ExitCode != 0)
                Shell.Run("umount", ["-l", point]);
        }
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo.</summary>
    private static string Unescape(string field) =>
        System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());

    /// <summary>The pod cgroups runc made under the instance's parent, in every v1 hierarchy (and v2, if mounted so).</summary>
    private static void RemoveCgroups(string parent)
    {
        foreach (var hierarchy in Directory.EnumerateDirectories("/sys/fs/cgroup").Append("/sys/fs/cgroup"))
        {
            string path = hierarchy + parent;
            if (!Directory.Exists(path))
                continue;
            foreach (var child in Directory.EnumerateDirectories(path).OrderByDescending(p => p.Length))
                TryRmdir(child);
            TryRmdir(path);
        }
    }

    // A cgroup folder goes with rmdir (its control files cannot be deleted one by one), once it has no tasks.
    private static void TryRmdir(string path) => Shell.Run("rmdir", [path]);
}
