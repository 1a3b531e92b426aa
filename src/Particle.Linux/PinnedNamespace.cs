using System.Runtime.ExceptionServices;
using Particle.Linux.Interop;

namespace Particle.Linux;

/// <summary>
/// Network namespaces kept alive by a bind mount on a file (what <c>ip netns add</c> does), created and
/// destroyed without running any process: the namespace outlives its creator for as long as the mount
/// exists, so it survives a daemon restart.
/// </summary>
public static class PinnedNamespace
{
    /// <summary>
    /// Creates a fresh network namespace pinned at <paramref name="path"/> (which must not exist) and runs
    /// <paramref name="inside"/> in it. The work happens on a dedicated thread that unshares its network
    /// namespace and then exits, so no thread of the process is ever left in the new namespace. On any
    /// failure nothing is left at the path.
    /// </summary>
    public static void Create(string path, Action inside)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                CreateOnThisThread(path, inside);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns-create",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
    }

    /// <summary>
    /// Unmounts (lazily, so a process still inside keeps working until it leaves) and removes the pin;
    /// the kernel destroys the namespace once nothing else holds it. False when nothing was there.
    /// </summary>
    public static bool Destroy(string path)
    {
        bool found = File.Exists(path);
        // EINVAL: not a mount point (a pin whose mount was lost, or a half-made one): still unlinked below.
        if (Libc.Umount2(path, Libc.MNT_DETACH | Libc.UMOUNT_NOFOLLOW) != 0 && Libc.LastErrno is not (Errno.EINVAL or Errno.ENOENT))
        {
            throw new LinuxException(Libc.LastErrno, "umount2", path);
        }
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
        return found;
    }

    private static void CreateOnThisThread(string path, Action inside)
    {
        // CreateNew: an existing file at the path is someone else's (or a leftover the caller must
        // handle), never silently reused.
        using (new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
        }
        bool mounted = false;
        try
        {
            LinuxException.ThrowIfError(Libc.Unshare(Libc.CLONE_NEWNET), "unshare", "CLONE_NEWNET");
            LinuxException.ThrowIfError(Libc.Mount("/proc/thread-self/ns/net", path, null, Libc.MS_BIND, IntPtr.Zero), "mount", path);
            mounted = true;
            inside();
        }
        catch
        {
            if (mounted)
                Libc.Umount2(path, Libc.MNT_DETACH | Libc.UMOUNT_NOFOLLOW);
            File.Delete(path);
            throw;
        }
    }
}
