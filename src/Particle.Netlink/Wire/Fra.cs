namespace Particle.Netlink.Wire;

/// <summary>FIB rule messages (RTM_*RULE), struct fib_rule_hdr and its attributes (linux/fib_rules.h).</summary>
public static class Fra
{
    /// <summary>family, dst_len, src_len, tos, table, res1, res2, action (u8 each), flags (u32).</summary>
    public const int FibRuleHdrSize = 12;

    public const ushort DST = 1;
    public const ushort SRC = 2;
    public const ushort IIFNAME = 3;
    public const ushort PRIORITY = 6;
    public const ushort TABLE = 15;
    public const ushort OIFNAME = 17;
    public const ushort PROTOCOL = 21;

    public const byte FR_ACT_TO_TBL = 1;
    public const byte FR_ACT_BLACKHOLE = 6;
    public const byte FR_ACT_UNREACHABLE = 7;
    public const byte FR_ACT_PROHIBIT = 8;
}
