namespace Particle.Netlink.Wire;

/// <summary>rtnetlink message types (linux/rtnetlink.h).</summary>
public static class Rtm
{
    public const ushort NEWLINK = 16;
    public const ushort DELLINK = 17;
    public const ushort GETLINK = 18;
    public const ushort SETLINK = 19;
    public const ushort NEWADDR = 20;
    public const ushort DELADDR = 21;
    public const ushort GETADDR = 22;
    public const ushort NEWROUTE = 24;
    public const ushort DELROUTE = 25;
    public const ushort GETROUTE = 26;
    public const ushort NEWNEIGH = 28;
    public const ushort DELNEIGH = 29;
    public const ushort GETNEIGH = 30;
    public const ushort NEWRULE = 32;
    public const ushort DELRULE = 33;
    public const ushort GETRULE = 34;
    public const ushort NEWNSID = 88;
    public const ushort GETNSID = 90;

    /// <summary>struct rtgenmsg (one family byte) padded to 4, the header of RTM_*NSID.</summary>
    public const int RtGenMsgSize = 4;
    public const ushort NETNSA_NSID = 1;
    public const ushort NETNSA_FD = 3;

    public static string Name(ushort type) => type switch
    {
        NEWLINK => "RTM_NEWLINK",
        DELLINK => "RTM_DELLINK",
        GETLINK => "RTM_GETLINK",
        SETLINK => "RTM_SETLINK",
        NEWADDR => "RTM_NEWADDR",
        DELADDR => "RTM_DELADDR",
        GETADDR => "RTM_GETADDR",
        NEWROUTE => "RTM_NEWROUTE",
        DELROUTE => "RTM_DELROUTE",
        GETROUTE => "RTM_GETROUTE",
        NEWNEIGH => "RTM_NEWNEIGH",
        DELNEIGH => "RTM_DELNEIGH",
        GETNEIGH => "RTM_GETNEIGH",
        NEWRULE => "RTM_NEWRULE",
        DELRULE => "RTM_DELRULE",
        GETRULE => "RTM_GETRULE",
        NEWNSID => "RTM_NEWNSID",
        GETNSID => "RTM_GETNSID",
        _ => $"RTM_{type}",
    };
}
