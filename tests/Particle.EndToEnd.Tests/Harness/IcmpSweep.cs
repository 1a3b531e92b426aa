using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Particle.Linux;

namespace Particle.EndToEnd.Tests.Harness;

/// <summary>
/// Pings many addresses from inside a namespace with one raw ICMP socket (no process per address): sends an
/// echo request to each, collects replies, and asks again for the silent ones, within a bounded time.
/// </summary>
public static class IcmpSweep
{
    /// <summary>The addresses of <paramref name="targets"/> that answered.</summary>
    public static HashSet<IPAddress> Answering(string netnsPath, IReadOnlyCollection<IPAddress> targets, int rounds = 3, double roundSeconds = 2)
    {
        using var ns = NetworkNamespace.Open(netnsPath);
        using var socket = ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp));
        socket.ReceiveTimeout = 200;
        var answered = new HashSet<IPAddress>();
        ushort id = (ushort)Random.Shared.Next(1, 65535);
        var request = new byte[16];
        var reply = new byte[2048];
        for (int round = 0; round < rounds && answered.Count < targets.Count; round++)
        {
            ushort sequence = 0;
            foreach (var target in targets.Where(t => !answered.Contains(t)))
            {
                Echo(request, id, sequence++);
                socket.SendTo(request, new IPEndPoint(target, 0));
                Drain(socket, reply, id, answered, block: false);
            }
            var until = DateTime.UtcNow.AddSeconds(roundSeconds);
            while (answered.Count < targets.Count && DateTime.UtcNow < until)
                Drain(socket, reply, id, answered, block: true);
        }
        answered.IntersectWith(targets);
        return answered;
    }

    private static void Drain(Socket socket, byte[] buffer, ushort id, HashSet<IPAddress> answered, bool block)
    {
        while (block || socket.Available > 0)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n;
            try
            {
                n = socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                return;
            }
            // A raw IPv4 socket hands over the IP header too: echo reply (type 0) with our identifier.
            int header = (buffer[0] & 0x0f) * 4;
            if (n >= header + 8 && buffer[header] == 0 && BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(header + 4)) == id)
                answered.Add(((IPEndPoint)from).Address);
            block = false;
        }
    }

    private static void Echo(byte[] packet, ushort id, ushort sequence)
    {
        Array.Clear(packet);
        packet[0] = 8; // echo request
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), sequence);
        uint sum = 0;
        for (int i = 0; i < packet.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
        while (sum > 0xffff)
            sum = (sum & 0xffff) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)~sum);
    }
}
