namespace Particle.Netlink.Tests;

/// <summary>Expected bytes written as annotated hex groups; spaces are for the reader only.</summary>
internal static class Hex
{
    public static string Of(params string[] parts) => string.Concat(parts).Replace(" ", "", StringComparison.Ordinal);

    public static string From(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static byte[] Bytes(params string[] parts) => Convert.FromHexString(Of(parts));

    /// <summary>A 32-bit host-order (little-endian) value as hex, for fields only known at run time (an fd).</summary>
    public static string U32(int value) => Convert.ToHexStringLower(BitConverter.GetBytes(value));
}
