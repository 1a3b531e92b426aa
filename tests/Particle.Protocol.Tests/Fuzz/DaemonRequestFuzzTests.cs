using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text.Json;
using CsCheck;
using Particle.Tests;

namespace Particle.Protocol.Tests.Fuzz;

/// <summary>
/// Property: whatever a peer writes to particled's socket, framing yields a payload, "closed before
/// anything" or a ProtocolException, and the payload decodes to a request or a typed refusal. Anything
/// else would reach the server's catch-all as an internal error (or, on a thread of its own, crash it).
/// </summary>
public sealed class DaemonRequestFuzzTests
{
    private static readonly byte[][] Requests =
    [
        Json(new DaemonRequest { Verb = Verbs.Add, Network = "pods", ContainerId = "c1", IfName = "eth0", Netns = "/run/netns/a",
            Args = new() { ["K8S_POD_NAME"] = "web" } }),
        Json(new DaemonRequest { Verb = Verbs.Check, Network = "pods", ContainerId = "c1", IfName = "eth0", ExpectedAddresses = ["10.0.0.5/24"] }),
        Json(new DaemonRequest { Verb = Verbs.Gc, Network = "pods", ValidAttachments = [new AttachmentKey { ContainerId = "c", IfName = "eth0" }] }),
        Json(new DaemonRequest { Verb = Verbs.Release, Network = "pods", Netns = "/run/particle/netns/pods-1" }),
        "null"u8.ToArray(),
        "{}"u8.ToArray(),
    ];

    [Fact]
    public void Mutated_requests_decode_or_are_refused_with_a_reason()
    {
        long runs = FuzzBudget.Run("protocol/request-decode", FuzzBudget.Mutations(Requests), CheckDecode, FuzzBudget.Show);
        runs.Should().BeGreaterThan(100);
    }

    [Fact]
    public void Random_bytes_decode_or_are_refused_with_a_reason()
    {
        FuzzBudget.Run("protocol/request-random", Gen.Byte.Array[0, 300], CheckDecode, FuzzBudget.Show);
    }

    /// <summary>Members of the right names with values of every JSON type, nested and repeated.</summary>
    [Fact]
    public void Generated_request_shapes_decode_or_are_refused_with_a_reason()
    {
        var names = Gen.OneOf("verb", "network", "containerId", "ifName", "netns", "args", "expectedAddresses", "validAttachments", "Verb", "x");
        var scalar = Gen.OneOf("null", "true", "1", "-1", "1e999", "\"ADD\"", "\"\\ud800\"", "\"\"", "{}", "[]", "[1]", "[\"a\"]", "{\"a\":1}",
            "{\"a\":\"b\"}", "[{\"containerId\":1}]", "[{\"containerId\":\"c\",\"ifName\":null}]", "[null]");
        var request = Gen.Select(names, scalar).Array[0, 10]
            .Select(members => "{" + string.Join(",", members.Select(m => $"\"{m.Item1}\":{m.Item2}")) + "}");
        FuzzBudget.Run("protocol/request-shapes", request, r => CheckDecode(System.Text.Encoding.UTF8.GetBytes(r)));
    }

    /// <summary>Framing over a real socket pair: the writer sends arbitrary bytes and hangs up.</summary>
    [Fact]
    public void Arbitrary_byte_streams_frame_or_fail_as_protocol_errors()
    {
        var stream = Gen.Frequency(
            (2, Gen.Byte.Array[0, 64]),
            (3, Gen.Select(Gen.Int[-2, Frames.MaxLength + 2], Gen.Byte.Array[0, 64]).Select(t =>
            {
                var bytes = new byte[4 + t.Item2.Length];
                BinaryPrimitives.WriteInt32BigEndian(bytes, t.Item1 % 128 == 0 ? t.Item1 : t.Item1 % 80);
                t.Item2.CopyTo(bytes, 4);
                return bytes;
            })),
            (2, FuzzBudget.Mutations([.. Requests.Select(r => Frames.Encode(r))])));
        FuzzBudget.Run("protocol/frames", stream, bytes =>
        {
            var (reader, writer) = Pair();
            using (reader)
            {
                using (writer)
                {
                    writer.Send(bytes);
                    writer.Shutdown(SocketShutdown.Send);
                    try
                    {
                        var payload = Frames.Read(reader);
                        if (payload is not null)
                        {
                            BinaryPrimitives.ReadInt32BigEndian(bytes).Should().Be(payload.Length);
                            CheckDecode(payload);
                        }
                        else
                        {
                            bytes.Should().BeEmpty();
                        }
                    }
                    catch (ProtocolException e)
                    {
                        e.Message.Should().NotBeNullOrEmpty();
                    }
                }
            }
        }, FuzzBudget.Show);
    }

    private static void CheckDecode(byte[] payload)
    {
        var request = DaemonRequestDecoder.TryDecode(payload, out string? error);
        if (request is null)
            error.Should().NotBeNullOrEmpty();
        else
            error.Should().BeNull();
    }

    private static (Socket Reader, Socket Writer) Pair()
    {
        string path = Path.Combine(Path.GetTempPath(), $"prl-frames-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var writer = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        writer.Connect(new UnixDomainSocketEndPoint(path));
        var reader = listener.Accept();
        File.Delete(path);
        return (reader, writer);
    }

    private static byte[] Json(DaemonRequest request) =>
        JsonSerializer.SerializeToUtf8Bytes(request, ProtocolJsonContext.Default.DaemonRequest);
}
