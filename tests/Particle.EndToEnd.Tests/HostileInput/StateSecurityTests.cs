using Particle.EndToEnd.Tests.Harness;
using Particle.Protocol;

namespace Particle.EndToEnd.Tests.HostileInput;

/// <summary>
/// Issue 6, item 4: state is private (folders 0700, files 0600), and neither particled nor the plugin
/// follows a symbolic link planted in the state or run folders.
/// </summary>
public sealed class StateSecurityTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    private readonly TestNode _node = new("10.125.0.0/24", start: false);

    public void Dispose() => _node.Dispose();

    [Fact]
    public void State_folder_journal_pending_del_folder_and_notes_are_private()
    {
        _node.StartDaemon();
        var pod = _node.AddPod("p");
        _node.Plugin("ADD", "c1", pod).ExitCode.Should().Be(0);
        _node.KillDaemon();
        var del = _node.Plugin("DEL", "c1", pod);
        del.ExitCode.Should().Be(0, del.ToString());

        string notes = PendingDeleteNote.Folder(_node.StateDir);
        File.GetUnixFileMode(_node.StateDir).Should().Be(PrivateFolder);
        File.GetUnixFileMode(Path.Combine(_node.StateDir, "ipam.journal")).Should().Be(Private);
        File.GetUnixFileMode(notes).Should().Be(PrivateFolder);
        var note = Directory.GetFiles(notes).Should().ContainSingle().Subject;
        File.GetUnixFileMode(note).Should().Be(Private);

        _node.StartDaemon();
        _node.Allocations().Should().BeEmpty("the note was carried out");
    }

    [Fact]
    public void A_pending_del_note_that_is_a_symlink_is_ignored_and_removed()
    {
        _node.StartDaemon();
        var pod = _node.AddPod("p");
        _node.Plugin("ADD", "c1", pod).ExitCode.Should().Be(0);

        // A note for c1, but written elsewhere and linked in under the name particled looks for.
        string elsewhere = Path.Combine(_node.Dir, "elsewhere.json");
        File.WriteAllBytes(elsewhere, new PendingDeleteNote { Network = TestNode.NetworkName, ContainerId = "c1", IfName = "eth0" }.ToJson());
        string folder = PendingDeleteNote.Folder(_node.StateDir);
        Directory.CreateDirectory(folder, PrivateFolder);
        string link = Path.Combine(folder, PendingDeleteNote.FileName(TestNode.NetworkName, "c1", "eth0"));
        File.CreateSymbolicLink(link, elsewhere);

        WaitUntil(() => !Exists(link), "particled removes the planted link at its next scan (1 s)");

        _node.Allocations().Should().ContainSingle(a => a.ContainerId == "c1", "the linked note was not acted on");
        _node.Links(pod).Should().Contain("eth0");
        File.Exists(elsewhere).Should().BeTrue("the link's target is left alone");
    }

    [Fact]
    public void A_pending_del_folder_that_is_a_symlink_is_not_followed()
    {
        _node.StartDaemon();
        var pod = _node.AddPod("p");
        _node.Plugin("ADD", "c1", pod).ExitCode.Should().Be(0);

        string elsewhere = Path.Combine(_node.Dir, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        string note = Path.Combine(elsewhere, PendingDeleteNote.FileName(TestNode.NetworkName, "c1", "eth0"));
        File.WriteAllBytes(note, new PendingDeleteNote { Network = TestNode.NetworkName, ContainerId = "c1", IfName = "eth0" }.ToJson());
        string folder = PendingDeleteNote.Folder(_node.StateDir);
        File.CreateSymbolicLink(folder, elsewhere);

        WaitUntil(() => !Exists(folder), "particled removes the planted folder link at its next scan (1 s)");

        _node.Allocations().Should().ContainSingle(a => a.ContainerId == "c1", "notes behind the link were not acted on");
        File.Exists(note).Should().BeTrue();
    }

    [Fact]
    public void Del_refuses_to_write_its_note_through_a_planted_pending_del_symlink()
    {
        _node.StartDaemon();
        var pod = _node.AddPod("p");
        _node.Plugin("ADD", "c1", pod).ExitCode.Should().Be(0);
        _node.KillDaemon();
        string elsewhere = Path.Combine(_node.Dir, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        File.CreateSymbolicLink(PendingDeleteNote.Folder(_node.StateDir), elsewhere);

        var del = _node.Plugin("DEL", "c1", pod);

        LifecycleTests.Code(del).Should().Be(5, del.ToString());
        LifecycleTests.Message(del).Should().Contain(PendingDeleteNote.Folder(_node.StateDir));
        Directory.GetFileSystemEntries(elsewhere).Should().BeEmpty();
    }

    [Theory]
    [InlineData("symlink to a socket")]
    [InlineData("symlink to a file")]
    [InlineData("dangling symlink")]
    [InlineData("regular file")]
    [InlineData("directory")]
    public void The_daemon_refuses_to_start_when_its_socket_path_is_not_a_socket(string what)
    {
        string target = Path.Combine(_node.Dir, "target");
        switch (what)
        {
            case "symlink to a socket":
                using (var other = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, 0))
                    other.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(target));
                File.CreateSymbolicLink(_node.SocketPath, target);
                break;
            case "symlink to a file":
                File.WriteAllText(target, "precious");
                File.CreateSymbolicLink(_node.SocketPath, target);
                break;
            case "dangling symlink":
                File.CreateSymbolicLink(_node.SocketPath, target);
                break;
            case "regular file":
                File.WriteAllText(_node.SocketPath, "precious");
                break;
            case "directory":
                Directory.CreateDirectory(_node.SocketPath);
                break;
        }

        var start = () => _node.StartDaemon();

        var refusal = start.Should().Throw<InvalidOperationException>().Which.Message;
        refusal.Should().Contain("particled exited with").And.Contain(_node.SocketPath).And.Contain("refusing");
        refusal.Should().NotContain("exited with 0");
        if (what == "symlink to a file")
            File.ReadAllText(target).Should().Be("precious");
        if (what == "regular file")
            File.ReadAllText(_node.SocketPath).Should().Be("precious");
        if (what.StartsWith("symlink"))
            Exists(_node.SocketPath).Should().BeTrue("the link is left in place");
    }

    [Fact]
    public void The_daemon_refuses_a_socket_folder_that_is_a_symlink()
    {
        string real = Path.Combine(_node.Dir, "real-run");
        Directory.CreateDirectory(real);
        string linked = Path.Combine(_node.Dir, "run-link");
        File.CreateSymbolicLink(linked, real);
        string config = File.ReadAllText(_node.ConfigPath).Replace(_node.SocketPath, Path.Combine(linked, "p.sock"));
        File.WriteAllText(_node.ConfigPath, config);

        var start = () => _node.StartDaemon();

        start.Should().Throw<Exception>().Which.Message.Should().Contain("refusing to follow");
        Directory.GetFileSystemEntries(real).Should().BeEmpty();
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    private static void WaitUntil(Func<bool> condition, string because)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("timed out waiting: " + because);
            Thread.Sleep(50);
        }
    }
}
