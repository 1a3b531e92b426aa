using CsCheck;
using Particle.Linux;
using Particle.Netlink.Wire;
using Particle.Tests;

namespace Particle.Netlink.Tests.Fuzz;

/// <summary>
/// Property: every datagram, however wrong, is either parsed (links, addresses, routes, neighbours, FDB
/// entries, error and done messages) or refused with InvalidDataException. The seeds are the kernel's own
/// dump replies, captured from a namespace the test fills with a bridge, veths, a VXLAN device, addresses,
/// routes, neighbours and FDB entries.
/// </summary>
public sealed class ReplyParserFuzzTests
{
    [Fact]
    public void Mutated_kernel_replies_parse_or_fail_as_invalid_data()
    {
        var seeds = CaptureKernelReplies();
        seeds.Count.Should().BeGreaterThan(5);
        // The unmutated replies parse completely.
        foreach (var seed in seeds)
            ParseAll(seed).Should().BeGreaterThan(0);
        long runs = FuzzBudget.Run("netlink/mutated-kernel-replies", FuzzBudget.Mutations(seeds), CheckParse, Hex);
        runs.Should().BeGreaterThan(100);
    }

    [Fact]
    public void Random_datagrams_parse_or_fail_as_invalid_data()
    {
        // A valid header with a random type and flags makes the parsers look past it more often than pure noise.
        var typed = Gen.Select(Gen.OneOf(Rtm.NEWLINK, Rtm.NEWADDR, Rtm.NEWROUTE, Rtm.NEWNEIGH, Nlmsg.ERROR, Nlmsg.DONE),
                Gen.UShort, Gen.Byte.Array[0, 200])
            .Select(t =>
            {
                var bytes = new byte[16 + t.Item3.Length];
                BitConverter.TryWriteBytes(bytes.AsSpan(0), (uint)bytes.Length);
                BitConverter.TryWriteBytes(bytes.AsSpan(4), t.Item1);
                BitConverter.TryWriteBytes(bytes.AsSpan(6), t.Item2);
                t.Item3.CopyTo(bytes, 16);
                return bytes;
            });
        FuzzBudget.Run("netlink/random-datagrams", Gen.Frequency((1, Gen.Byte.Array[0, 200]), (4, typed)), CheckParse, Hex);
    }

    private static void CheckParse(byte[] datagram)
    {
        try
        {
            ParseAll(datagram);
        }
        catch (InvalidDataException e)
        {
            e.Message.Should().NotBeNullOrEmpty();
        }
    }

    /// <summary>What RouteNetlink does with a received datagram, with every parser it has; the count of messages.</summary>
    private static int ParseAll(byte[] datagram)
    {
        int messages = 0;
        var reader = new MessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage message))
        {
            messages++;
            if (message.Type is Nlmsg.ERROR or Nlmsg.DONE)
            {
                RouteNetlink.ParseError(message);
                continue;
            }
            LinkParser.TryParse(message, out _);
            AddressParser.TryParse(message, out _);
            RouteParser.TryParse(message, out _);
            NeighbourParser.TryParseNeighbour(message, out _);
            NeighbourParser.TryParseFdb(message, out _);
        }
        return messages;
    }

    private static List<byte[]> CaptureKernelReplies()
    {
        using var ns = new TempNamespace("prl");
        string[][] setup =
        [
            ["link", "add", "br0", "type", "bridge"],
            ["link", "add", "v0", "type", "veth", "peer", "name", "v1"],
            ["link", "set", "v0", "master", "br0"],
            ["link", "add", "vx0", "type", "vxlan", "id", "42", "dstport", "4789", "local", "198.18.0.1", "nolearning"],
            ["link", "set", "br0", "up"], ["link", "set", "v0", "up"], ["link", "set", "v1", "up"], ["link", "set", "vx0", "up"],
            ["addr", "add", "198.18.0.1/24", "dev", "br0"],
            ["addr", "add", "fd00::1/64", "dev", "br0", "nodad"],
            ["route", "add", "198.19.0.0/16", "via", "198.18.0.2", "mtu", "1400"],
            ["neigh", "add", "198.18.0.9", "lladdr", "02:00:00:00:00:09", "dev", "br0", "nud", "permanent"],
        ];
        foreach (var args in setup)
            TempNamespace.Ip(["-n", ns.Name, .. args]);
        TempNamespaceRun("bridge", ["-n", ns.Name, "fdb", "append", "00:00:00:00:00:00", "dev", "vx0", "dst", "198.18.0.7"]);

        var datagrams = new List<byte[]>();
        using var socket = ns.Namespace.Run(() => NetlinkSocket.Open(Nlmsg.NETLINK_ROUTE));
        uint seq = 0;
        foreach (var (type, size, family) in new (ushort, int, byte)[]
                 { (Rtm.GETLINK, Ifla.IfInfoMsgSize, 0), (Rtm.GETADDR, Ifa.IfAddrMsgSize, 0), (Rtm.GETROUTE, Rta.RtMsgSize, 0),
                   (Rtm.GETNEIGH, Nda.NdMsgSize, 0), (Rtm.GETNEIGH, Nda.NdMsgSize, Nda.AF_BRIDGE) })
        {
            var request = RouteNetlink.DumpRequest(type, size, family);
            request.SetSequence(0, ++seq, socket.PortId);
            socket.Send(request.WrittenSpan);
            byte[] buffer = new byte[32768];
            for (int i = 0; i < 100; i++)
            {
                int length = socket.Receive(ref buffer);
                var datagram = buffer.AsSpan(0, length).ToArray();
                datagrams.Add(datagram);
                if (IsDone(datagram))
                    break;
            }
        }
        // A refusal with the kernel's extended-ack text: deleting a link that does not exist.
        var delete = new NetlinkWriter();
        int start = delete.BeginMessage(Rtm.DELLINK, Nlmsg.F_REQUEST | Nlmsg.F_ACK);
        delete.IfInfoMsg(0);
        delete.AttributeString(Ifla.IFNAME, "absent0");
        delete.EndMessage(start);
        delete.SetSequence(0, ++seq, socket.PortId);
        socket.SetOption(Nlmsg.SOL_NETLINK, Nlmsg.NETLINK_EXT_ACK, 1);
        socket.Send(delete.WrittenSpan);
        byte[] ack = new byte[4096];
        datagrams.Add(ack.AsSpan(0, socket.Receive(ref ack)).ToArray());
        return datagrams;
    }

    private static bool IsDone(byte[] datagram)
    {
        var reader = new MessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage message))
        {
            if (message.Type is Nlmsg.DONE or Nlmsg.ERROR)
                return true;
        }
        return false;
    }

    private static void TempNamespaceRun(string tool, string[] args)
    {
        using var process = System.Diagnostics.Process.Start(tool, args)!;
        process.WaitForExit();
        process.ExitCode.Should().Be(0, $"{tool} {string.Join(' ', args)}");
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);
}
