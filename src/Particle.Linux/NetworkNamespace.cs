using System.Runtime.ExceptionServices;
using Particle.Linux.Interop;

namespace Particle.Linux;

/// <summary>An open network namespace (a /run/netns/X bind mount or a /proc/.../ns/net link).</summary>
public sealed class NetworkNamespace : IDisposable
{
    private const long NSFS_MAGIC = 0x6e736673;

    private NetworkNamespace(string path, FileDescriptorHandle handle, ulong inode)
    {
        Path = path;
        Handle = handle;
        Inode = inode;
    }

    public string Path { get; }

    public FileDescriptorHandle Handle { get; }

    public int Fd => Handle.Fd;

    /// <summary>Two handles refer to the same namespace exactly when their inodes are equal.</summary>
    public ulong Inode { get; }

    /// <summary>Opens path and proves it is a network namespace, so a wrong path fails here and not at setns.</summary>
    public static NetworkNamespace Open(string path)
    {
        // O_NONBLOCK: a FIFO planted at the path must fail the checks below, not block open() for ever.
        FileDescriptorHandle handle = Libc.Open(path, Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_NOCTTY);
        try
        {
            (int mode, ulong inode) = Libc.Stat(handle, path);
            if (Libc.FilesystemType(handle, path) != NSFS_MAGIC)
            {
                throw new NotANetworkNamespaceException(path, DescribeFileType(mode));
            }
            int type = Libc.Ioctl(handle, Libc.NS_GET_NSTYPE, path);
            if (type != Libc.CLONE_NEWNET)
            {
                throw new NotANetworkNamespaceException(path, DescribeNamespaceType(type));
            }
            return new NetworkNamespace(path, handle, inode);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The calling thread's network namespace.</summary>
    public static NetworkNamespace Current() => Open("/proc/thread-self/ns/net");

    /// <summary>Runs action inside this namespace on a fresh OS thread that exits afterwards, so no pooled
    /// thread is ever left in the wrong namespace.</summary>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = RunInside(action);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    public void Run(Action action) => Run<bool>(() =>
    {
        action();
        return true;
    });

    public void Dispose() => Handle.Dispose();

    public override string ToString() => $"{Path} (inode {Inode})";

    private T RunInside<T>(Func<T> action)
    {
        using FileDescriptorHandle origin = Libc.Open("/proc/thread-self/ns/net", Libc.O_RDONLY);
        if (Libc.Setns(Handle, Libc.CLONE_NEWNET) != 0)
        {
            throw new LinuxException(Libc.LastErrno, "setns", Path);
        }
        try
        {
            return action();
        }
        finally
        {
            // If this fails the thread is stranded in the namespace; it is about to exit and is never
            // reused, so that is harmless and the action's own outcome is what the caller needs.
            Libc.Setns(origin, Libc.CLONE_NEWNET);
        }
    }

    private static string DescribeFileType(int mode) => (mode & Libc.S_IFMT) switch
    {
        Libc.S_IFREG => "a regular file",
        Libc.S_IFDIR => "a directory",
        Libc.S_IFCHR => "a character device",
        Libc.S_IFBLK => "a block device",
        Libc.S_IFIFO => "a FIFO",
        Libc.S_IFSOCK => "a socket",
        Libc.S_IFLNK => "a symbolic link",
        _ => $"a file of mode {mode:x}",
    };

    private static string DescribeNamespaceType(int type) => type switch
    {
        Libc.CLONE_NEWNS => "a mount namespace",
        Libc.CLONE_NEWUTS => "a UTS namespace",
        Libc.CLONE_NEWIPC => "an IPC namespace",
        Libc.CLONE_NEWUSER => "a user namespace",
        Libc.CLONE_NEWPID => "a PID namespace",
        Libc.CLONE_NEWCGROUP => "a cgroup namespace",
        Libc.CLONE_NEWTIME => "a time namespace",
        _ => $"a namespace of type {type:x}",
    };
}
