namespace Particle.Linux;

/// <summary>A failed system call: which call, on what, and the errno it returned.</summary>
public class LinuxException : Exception
{
    public LinuxException(int errno, string operation, string? target)
        : this(errno, operation, target, $"{Format(operation, target)}: {Linux.Errno.Name(errno)} ({Linux.Errno.Describe(errno)})")
    {
    }

    protected LinuxException(int errno, string operation, string? target, string message)
        : base(message)
    {
        Errno = errno;
        Operation = operation;
        Target = target;
    }

    public int Errno { get; }

    public string Operation { get; }

    public string? Target { get; }

    public string ErrnoName => Linux.Errno.Name(Errno);

    /// <summary>Throws when a libc call returned a negative result; errno is read from the last P/Invoke.</summary>
    public static void ThrowIfError(int rc, string operation, string? target)
    {
        if (rc < 0)
        {
            throw new LinuxException(Interop.Libc.LastErrno, operation, target);
        }
    }

    private static string Format(string operation, string? target) =>
        target is null ? operation : $"{operation}({target})";
}
