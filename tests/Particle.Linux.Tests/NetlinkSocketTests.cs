namespace Particle.Linux.Tests;

public sealed class NetlinkSocketTests
{
    [Fact]
    public void Opens_and_binds_with_a_kernel_assigned_port()
    {
        using var temp = new TempNamespace();

        uint port = temp.Namespace.Run(() =>
        {
            using NetlinkSocket socket = NetlinkSocket.Open(0);
            socket.SetBufferSizes(1 << 20);
            return socket.PortId;
        });

        port.Should().NotBe(0u);
    }
}
