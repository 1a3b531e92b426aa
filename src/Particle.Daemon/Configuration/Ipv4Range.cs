using System.Buffers.Binary;
using System.Net;

namespace Particle.Daemon.Configuration;

/// <summary>An inclusive range of IPv4 addresses, held as host-order integers so it can be indexed.</summary>
public readonly record struct Ipv4Range(IPAddress First, IPAddress Last)
{
    public uint FirstValue => ToUInt32(First);
    public uint LastValue => ToUInt32(Last);
    public long Count => (long)LastValue - FirstValue + 1;

    /// <summary>The subnet without its network and broadcast addresses.</summary>
    public static Ipv4Range HostsOf(IPNetwork subnet)
    {
        uint network = ToUInt32(subnet.BaseAddress);
        uint size = subnet.PrefixLength == 0 ? uint.MaxValue : (1u << (32 - subnet.PrefixLength)) - 1;
        return new Ipv4Range(FromUInt32(network + 1), FromUInt32(network + size - 1));
    }

    public bool Contains(IPAddress address)
    {
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            return false;
        uint value = ToUInt32(address);
        return value >= FirstValue && value <= LastValue;
    }

    public IPAddress At(long index) => FromUInt32((uint)(FirstValue + index));

    public long IndexOf(IPAddress address) => (long)ToUInt32(address) - FirstValue;

    public static uint ToUInt32(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    public static IPAddress FromUInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
