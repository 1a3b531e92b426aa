using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Particle.Netlink;

/// <summary>An address with its prefix length as configured on an interface ("10.1.0.5/16"); the host bits are kept.</summary>
public readonly record struct InterfaceAddress
{
    public InterfaceAddress(IPAddress address, int prefixLength)
    {
        int max = address.AddressFamily switch
        {
            AddressFamily.InterNetwork => 32,
            AddressFamily.InterNetworkV6 => 128,
            _ => throw new ArgumentException($"{address} is neither IPv4 nor IPv6", nameof(address)),
        };
        if (prefixLength < 0 || prefixLength > max)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, $"prefix length must be 0..{max}");
        }
        Address = address;
        PrefixLength = prefixLength;
    }

    public IPAddress Address { get; }

    public int PrefixLength { get; }

    public AddressFamily Family => Address.AddressFamily;

    /// <summary>Parses "a.b.c.d/n" or "x::y/n"; a bare address gets the full-length prefix.</summary>
    public static InterfaceAddress Parse(string text) =>
        TryParse(text, out InterfaceAddress value) ? value : throw new FormatException($"'{text}' is not an address/prefix");

    public static bool TryParse(string? text, out InterfaceAddress value)
    {
        value = default;
        if (text is null)
        {
            return false;
        }
        int slash = text.IndexOf('/');
        string addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out IPAddress? address)
            || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }
        // IPAddress also takes inet_aton shorthands ("10.1" is 10.0.0.1), which in a config file is a typo.
        if (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count(c => c == '.') != 3)
        {
            return false;
        }
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        int prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            return false;
        }
        value = new InterfaceAddress(address, prefix);
        return true;
    }

    /// <summary>The same prefix with the host bits cleared ("10.1.0.5/16" → "10.1.0.0/16").</summary>
    public InterfaceAddress Network
    {
        get
        {
            byte[] bytes = Address.GetAddressBytes();
            for (int bit = PrefixLength; bit < bytes.Length * 8; bit++)
            {
                bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
            }
            return new InterfaceAddress(new IPAddress(bytes), PrefixLength);
        }
    }

    /// <summary>The IPv4 directed broadcast address (host bits set).</summary>
    public IPAddress Broadcast
    {
        get
        {
            byte[] bytes = Address.GetAddressBytes();
            for (int bit = PrefixLength; bit < bytes.Length * 8; bit++)
            {
                bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
            }
            return new IPAddress(bytes);
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Address}/{PrefixLength}");
}
