namespace Particle.Netlink.Wire;

/// <summary>Netlink header constants (linux/netlink.h).</summary>
public static class Nlmsg
{
    public const int HeaderSize = 16;

    public const ushort NOOP = 1;
    public const ushort ERROR = 2;
    public const ushort DONE = 3;
    public const ushort OVERRUN = 4;

    public const ushort F_REQUEST = 0x01;
    public const ushort F_MULTI = 0x02;
    public const ushort F_ACK = 0x04;
    public const ushort F_DUMP_INTR = 0x10;
    public const ushort F_DUMP = 0x300;
    public const ushort F_REPLACE = 0x100;
    public const ushort F_EXCL = 0x200;
    public const ushort F_CREATE = 0x400;
    public const ushort F_APPEND = 0x800;

    // Flags on NLMSG_ERROR replies.
    public const ushort F_CAPPED = 0x100;
    public const ushort F_ACK_TLVS = 0x200;

    public const ushort NLMSGERR_ATTR_MSG = 1;
    public const ushort NLMSGERR_ATTR_OFFS = 2;

    public const int SOL_NETLINK = 270;
    public const int NETLINK_ROUTE = 0;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;

    public static int Align(int length) => (length + 3) & ~3;
}
