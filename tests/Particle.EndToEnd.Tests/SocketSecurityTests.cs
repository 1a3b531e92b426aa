using System.Text.Json;
using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests;

/// <summary>Only root may talk to particled: the socket file says so, and so does the daemon itself.</summary>
public sealed class SocketSecurityTests : IDisposable
{
    private readonly TestNode _node = new();

    public void Dispose() => _node.Dispose();

    [Fact]
    public void The_socket_is_root_only()
    {
        var mode = File.GetUnixFileMode(_node.SocketPath);

        mode.Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Shell.Check("stat", "-c", "%u", _node.SocketPath).Trim().Should().Be("0");
    }

    [Fact]
    public void A_non_root_peer_is_refused_even_when_the_file_mode_would_let_it_in()
    {
        // Open the file mode up so the peer-credential check is what stands in the way.
        File.SetUnixFileMode(_node.SocketPath, (UnixFileMode)0x1FF);
        File.SetUnixFileMode(_node.Dir, (UnixFileMode)0x1ED);
        var pod = _node.AddPod("p");

        var add = Shell.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Binaries.Plugin],
            _node.NetConf("1.0.0"), new Dictionary<string, string>
            {
                ["CNI_COMMAND"] = "ADD", ["CNI_CONTAINERID"] = "c1", ["CNI_NETNS"] = pod, ["CNI_IFNAME"] = "eth0",
                ["CNI_PATH"] = "/opt/cni/bin",
            });

        add.ExitCode.Should().NotBe(0, add.ToString());
        using var error = JsonDocument.Parse(add.Stdout);
        error.RootElement.GetProperty("msg").GetString().Should().Contain("only root", add.ToString());
        _node.Allocations().Should().BeEmpty();
        _node.Links(pod).Should().Equal("lo");
    }
}
