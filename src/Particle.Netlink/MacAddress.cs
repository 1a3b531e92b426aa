using System.Globalization;
using System.Security.Cryptography;

namespace Particle.Netlink;

/// <summary>A 48-bit Ethernet address, kept in one integer so equality and hashing are cheap.</summary>
public readonly record struct MacAddress
{
    private readonly ulong _value;

    private MacAddress(ulong value)
    {
        _value = value;
    }

    public static MacAddress Zero => default;

    public static MacAddress FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 6)
        {
            throw new ArgumentException($"a MAC address has 6 bytes, not {bytes.Length}", nameof(bytes));
        }
        ulong value = 0;
        foreach (byte b in bytes)
        {
            value = (value << 8) | b;
        }
        return new MacAddress(value);
    }

    /// <summary>Accepts "aa:bb:cc:dd:ee:ff" and "aa-bb-cc-dd-ee-ff", any letter case.</summary>
    public static MacAddress Parse(string text) =>
        TryParse(text, out MacAddress mac) ? mac : throw new FormatException($"'{text}' is not a MAC address");

    public static bool TryParse(string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null || text.Length != 17)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[6];
        for (int i = 0; i < 6; i++)
        {
            if (i > 0 && text[(i * 3) - 1] is not (':' or '-'))
            {
                return false;
            }
            if (!byte.TryParse(text.AsSpan(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }
        mac = FromBytes(bytes);
        return true;
    }

    /// <summary>A random locally administered unicast address (bit 1 of the first byte set, bit 0 clear), so it
    /// never collides with a vendor-assigned one.</summary>
    public static MacAddress Random()
    {
        Span<byte> bytes = stackalloc byte[6];
        RandomNumberGenerator.Fill(bytes);
        bytes[0] = (byte)((bytes[0] & 0xfe) | 0x02);
        return FromBytes(bytes);
    }

    public void WriteTo(Span<byte> destination)
    {
        for (int i = 0; i < 6; i++)
        {
            destination[i] = (byte)(_value >> (8 * (5 - i)));
        }
    }

    public byte[] GetBytes()
    {
        var bytes = new byte[6];
        WriteTo(bytes);
        return bytes;
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[6];
        WriteTo(b);
        return string.Create(CultureInfo.InvariantCulture, $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}");
    }
}
