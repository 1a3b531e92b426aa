namespace Particle.Netlink.Wire;

/// <summary>Neighbour attributes, states and flags (linux/neighbour.h).</summary>
public static class Nda
{
    public const int NdMsgSize = 12;

    public const ushort DST = 1;
    public const ushort LLADDR = 2;
    public const ushort VNI = 7;
    public const ushort IFINDEX = 8;
    public const ushort MASTER = 9;

    public const ushort NUD_REACHABLE = 0x02;
    public const ushort NUD_STALE = 0x04;
    public const ushort NUD_NOARP = 0x40;
    public const ushort NUD_PERMANENT = 0x80;

    public const byte NTF_SELF = 0x02;
    public const byte NTF_MASTER = 0x04;

    public const byte AF_BRIDGE = 7;
}
