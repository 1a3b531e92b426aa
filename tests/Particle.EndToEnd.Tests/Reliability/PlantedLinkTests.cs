using Particle.EndToEnd.Tests.Harness;

namespace Particle.EndToEnd.Tests.Reliability;

/// <summary>
/// particled refuses to start rather than follow a symbolic link planted where its journal, state folder
/// or namespace-pool folder should be, or use a pool folder others may write to; whatever the link points
/// at is left untouched. (The socket, its folder and the pending-DEL notes are covered in HostileInput.)
/// </summary>
public sealed class PlantedLinkTests : IDisposable
{
    private readonly TestNode _node = new("10.126.0.0/24", start: false, namePrefix: "prl");

    public void Dispose() => _node.Dispose();

    [Fact]
    public void A_journal_that_is_a_symbolic_link_is_refused_and_its_target_untouched()
    {
        Directory.CreateDirectory(_node.StateDir);
        string target = Path.Combine(_node.Dir, "victim");
        File.WriteAllText(target, "precious\n");
        File.CreateSymbolicLink(Path.Combine(_node.StateDir, "ipam.journal"), target);

        var start = () => _node.StartDaemon();

        start.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("exited with 2").And.Contain("ipam.journal");
        File.ReadAllText(target).Should().Be("precious\n");
    }

    [Fact]
    public void A_state_folder_that_is_a_symbolic_link_is_refused()
    {
        string real = Path.Combine(_node.Dir, "real-state");
        Directory.CreateDirectory(real);
        File.CreateSymbolicLink(_node.StateDir, real);

        var start = () => _node.StartDaemon();

        start.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("exited with 2");
        Directory.GetFileSystemEntries(real).Should().BeEmpty();
    }

    [Theory]
    [InlineData("symlink")]
    [InlineData("world-writable")]
    public void A_pool_folder_that_is_a_symbolic_link_or_writable_by_others_is_refused(string what)
    {
        string folder = Path.Combine(_node.Dir, "netns");
        string real = Path.Combine(_node.Dir, "real-netns");
        Directory.CreateDirectory(real);
        if (what == "symlink")
        {
            File.CreateSymbolicLink(folder, real);
        }
        else
        {
            Directory.CreateDirectory(folder);
            File.SetUnixFileMode(folder, (UnixFileMode)0x1FF);
        }
        string config = File.ReadAllText(_node.ConfigPath).Replace("\"mtu\": 1400",
            $"\"mtu\": 1400, \"namespacePool\": {{ \"size\": 1, \"folder\": \"{folder}\" }}");
        File.WriteAllText(_node.ConfigPath, config);

        var start = () => _node.StartDaemon();

        start.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("exited with 2")
            .And.Contain(what == "symlink" ? "is a symboliclink, not a folder" : "may be written by other users");
        Directory.GetFileSystemEntries(real).Should().BeEmpty("no namespace was pinned through the link");
    }
}
