using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Particle.Protocol.Tests;

public sealed class FramesTests : IDisposable
{
    private readonly Socket _left;
    private readonly Socket _right;
    private readonly string _dir = Directory.CreateTempSubdirectory("particle-frames-").FullName;

    public FramesTests()
    {
        // A connected pair of unix stream sockets, like plugin and daemon.
        var path = Path.Combine(_dir, "s");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        _left = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _left.Connect(new UnixDomainSocketEndPoint(path));
        _right = listener.Accept();
    }

    public void Dispose()
    {
        _left.Dispose();
        _right.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_frame_is_a_big_endian_length_then_the_payload()
    {
        Frames.Write(_left, "{}"u8);
        _left.Shutdown(SocketShutdown.Send);

        var raw = new byte[16];
        int n = _right.Receive(raw);

        raw[..n].Should().Equal(0, 0, 0, 2, (byte)'{', (byte)'}');
    }

    [Fact]
    public async Task Sync_and_async_sides_understand_each_other()
    {
        var payload = Encoding.UTF8.GetBytes(new string('x', 100_000));

        Frames.Write(_left, payload);
        var got = await Frames.ReadAsync(_right, CancellationToken.None);
        await Frames.WriteAsync(_right, got!, CancellationToken.None);
        var back = Frames.Read(_left);

        back.Should().Equal(payload);
    }

    [Fact]
    public void A_closed_connection_before_any_byte_reads_as_null()
    {
        _left.Shutdown(SocketShutdown.Send);

        Frames.Read(_right).Should().BeNull();
    }

    [Fact]
    public void A_truncated_header_or_payload_is_a_protocol_error()
    {
        _left.Send(new byte[] { 0, 0 });
        _left.Shutdown(SocketShutdown.Send);

        FluentActions.Invoking(() => Frames.Read(_right)).Should().Throw<ProtocolException>().WithMessage("*header*");
    }

    [Fact]
    public void A_payload_shorter_than_announced_is_a_protocol_error()
    {
        _left.Send(new byte[] { 0, 0, 0, 10, 1, 2, 3 });
        _left.Shutdown(SocketShutdown.Send);

        FluentActions.Invoking(() => Frames.Read(_right)).Should().Throw<ProtocolException>().WithMessage("*partial*10 bytes*");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(Frames.MaxLength + 1)]
    public void An_announced_length_out_of_bounds_is_refused_before_reading(int length)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, length);
        _left.Send(header);

        FluentActions.Invoking(() => Frames.Read(_right)).Should().Throw<ProtocolException>().WithMessage("*outside*");
    }

    [Fact]
    public void Writing_an_oversized_payload_is_refused()
    {
        FluentActions.Invoking(() => Frames.Write(_left, new byte[Frames.MaxLength + 1]))
            .Should().Throw<ProtocolException>().WithMessage("*exceeds*");
    }
}
