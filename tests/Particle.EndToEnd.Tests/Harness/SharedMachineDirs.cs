namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// Fixed machine folders that runtimes make on first use and never remove (libcni's /var/lib/cni/results,
/// containerd's /run/containerd/s). Test runtimes run in parallel, so whether a folder "was there before"
/// is decided when the first lease of this test process is taken, and the folder is removed (if empty)
/// when the last lease ends, not by whichever test happens to finish first or last.
/// </summary>
public static class SharedMachineDirs
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, (int Leases, bool Existed)> Dirs = [];

    /// <param name="dirs">Deepest first: they are removed in this order.</param>
    public static IDisposable Lease(params string[] dirs)
    {
        lock (Gate)
        {
            foreach (var dir in dirs)
            {
                var (leases, existed) = Dirs.GetValueOrDefault(dir);
                Dirs[dir] = (leases + 1, leases == 0 ? Directory.Exists(dir) : existed);
            }
        }
        return new Release(dirs);
    }

    private sealed class Release(string[] dirs) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1)
                return;
            lock (Gate)
            {
                foreach (var dir in dirs)
                {
                    var (leases, existed) = Dirs[dir];
                    Dirs[dir] = (leases - 1, existed);
                    if (leases == 1 && !existed)
                        DeleteIfEmpty(dir);
                }
            }
        }
    }

    // Another process on the machine may be writing there meanwhile: only an empty folder goes.
    private static void DeleteIfEmpty(string dir)
    {
        try
        {
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
                Directory.Delete(dir);
        }
        catch (IOException)
        {
        }
    }
}
