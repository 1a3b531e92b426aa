namespace Particle.Netlink.Wire;

/// <summary>Route attributes and rtmsg field values (linux/rtnetlink.h).</summary>
public static class Rta
{
    public const int RtMsgSize = 12;

    public const ushort DST = 1;
    public const ushort OIF = 4;
    public const ushort GATEWAY = 5;
    public const ushort PRIORITY = 6;
    public const ushort PREFSRC = 7;
    public const ushort METRICS = 8;
    public const ushort TABLE = 15;

    public const ushort RTAX_MTU = 2;

    public const byte RT_TABLE_UNSPEC = 0;
    public const uint RT_TABLE_MAIN = 254;
    public const uint RT_TABLE_LOCAL = 255;

    public const byte RTPROT_UNSPEC = 0;
    public const byte RTPROT_KERNEL = 2;
    public const byte RTPROT_BOOT = 3;
    public const byte RTPROT_STATIC = 4;

    public const byte RT_SCOPE_UNIVERSE = 0;
    public const byte RT_SCOPE_LINK = 253;
    public const byte RT_SCOPE_HOST = 254;
    public const byte RT_SCOPE_NOWHERE = 255;

    public const byte RTN_UNSPEC = 0;
    public const byte RTN_UNICAST = 1;
    public const byte RTN_LOCAL = 2;

    public const uint RTNH_F_ONLINK = 4;
    public const uint RTM_F_CLONED = 0x200;
}
