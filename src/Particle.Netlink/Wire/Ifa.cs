namespace Particle.Netlink.Wire;

/// <summary>Address attributes (linux/if_addr.h).</summary>
public static class Ifa
{
    public const int IfAddrMsgSize = 8;

    public const ushort ADDRESS = 1;
    public const ushort LOCAL = 2;
    public const ushort LABEL = 3;
    public const ushort BROADCAST = 4;
}
