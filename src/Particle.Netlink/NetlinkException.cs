using Particle.Linux;

namespace Particle.Netlink;

/// <summary>The kernel refused a netlink request: the errno, which request on which object, and the kernel's
/// extended-ack explanation when it gave one.</summary>
public sealed class NetlinkException : Exception
{
    public NetlinkException(int errno, string operation, string? obj, string? extAckMessage, int? batchIndex = null, int batchSize = 0)
        : base(Format(errno, operation, obj, extAckMessage, batchIndex, batchSize))
    {
        Errno = errno;
        Operation = operation;
        Object = obj;
        ExtAckMessage = extAckMessage;
        BatchIndex = batchIndex;
    }

    public int Errno { get; }

    public string ErrnoName => Linux.Errno.Name(Errno);

    /// <summary>The request type, e.g. "RTM_NEWLINK".</summary>
    public string Operation { get; }

    /// <summary>What the request was about, e.g. "veth pc1234 (peer eth0)".</summary>
    public string? Object { get; }

    public string? ExtAckMessage { get; }

    /// <summary>Position of the failing request inside a batch, null outside batches.</summary>
    public int? BatchIndex { get; }

    /// <summary>The object is absent: what a delete or lookup of something already gone reports.</summary>
    public bool IsNotFound => Errno is Linux.Errno.ENODEV or Linux.Errno.ENOENT or Linux.Errno.ESRCH
        || (Errno == Linux.Errno.EADDRNOTAVAIL && Operation == "RTM_DELADDR");

    public bool IsExists => Errno == Linux.Errno.EEXIST;

    private static string Format(int errno, string operation, string? obj, string? extAck, int? batchIndex, int batchSize)
    {
        string what = obj is null ? operation : $"{operation} {obj}";
        if (batchIndex is int i)
        {
            what += $" (batch request {i + 1} of {batchSize})";
        }
        string text = $"{what}: {Linux.Errno.Name(errno)} ({Linux.Errno.Describe(errno)})";
        return string.IsNullOrEmpty(extAck) ? text : $"{text}: {extAck}";
    }
}
