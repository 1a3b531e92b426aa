using Particle.Linux;

namespace Particle.Linux.Tests;

public sealed class NetworkNamespaceTests
{
    [Fact]
    public void Opens_a_real_network_namespace()
    {
        using var temp = new TempNamespace();
        using NetworkNamespace current = NetworkNamespace.Current();

        temp.Namespace.Path.Should().Be(temp.PathName);
        temp.Namespace.Fd.Should().BeGreaterThan(2);
        temp.Namespace.Inode.Should().NotBe(current.Inode);
    }

    [Fact]
    public void Two_opens_of_one_namespace_have_the_same_inode()
    {
        using var temp = new TempNamespace();
        using NetworkNamespace again = NetworkNamespace.Open(temp.PathName);

        again.Inode.Should().Be(temp.Namespace.Inode);
    }

    [Fact]
    public void Rejects_a_regular_file()
    {
        string file = Path.GetTempFileName();
        try
        {
            var act = () => NetworkNamespace.Open(file);
            act.Should().Throw<NotANetworkNamespaceException>()
                .Which.Message.Should().Be($"{file} is not a network namespace: it is a regular file");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("/tmp", "a directory")]
    [InlineData("/dev/null", "a character device")]
    [InlineData("/proc/self/ns/mnt", "a mount namespace")]
    [InlineData("/proc/self/ns/uts", "a UTS namespace")]
    public void Rejects_what_is_not_a_network_namespace(string path, string actually)
    {
        var act = () => NetworkNamespace.Open(path);

        var e = act.Should().Throw<NotANetworkNamespaceException>().Which;
        e.Actually.Should().Be(actually);
        e.Target.Should().Be(path);
        e.Message.Should().Contain(path).And.Contain(actually);
    }

    [Fact]
    public void A_missing_path_is_ENOENT()
    {
        var act = () => NetworkNamespace.Open("/run/netns/pnl-does-not-exist");

        var e = act.Should().Throw<LinuxException>().Which;
        e.Should().NotBeOfType<NotANetworkNamespaceException>();
        e.Errno.Should().Be(Errno.ENOENT);
        e.ErrnoName.Should().Be("ENOENT");
        e.Message.Should().Be("open(/run/netns/pnl-does-not-exist): ENOENT (No such file or directory)");
    }

    [Fact]
    public void Run_executes_inside_and_the_caller_stays_outside()
    {
        using var temp = new TempNamespace();
        using NetworkNamespace before = NetworkNamespace.Current();

        (ulong inside, int thread) = temp.Namespace.Run(() =>
        {
            using NetworkNamespace here = NetworkNamespace.Current();
            return (here.Inode, Environment.CurrentManagedThreadId);
        });

        using NetworkNamespace after = NetworkNamespace.Current();
        inside.Should().Be(temp.Namespace.Inode);
        thread.Should().NotBe(Environment.CurrentManagedThreadId);
        after.Inode.Should().Be(before.Inode);
    }

    [Fact]
    public void Run_sees_the_namespace_devices()
    {
        using var temp = new TempNamespace();

        string[] devices = temp.Namespace.Run(() => Directory.GetFileSystemEntries("/proc/thread-self/net/dev_snmp6").Select(p => Path.GetFileName(p)).ToArray());

        // A fresh namespace holds only loopback, which proves /proc/thread-self/net followed the thread.
        devices.Should().BeEquivalentTo(["lo"]);
    }

    [Fact]
    public void Run_propagates_exceptions_from_the_action()
    {
        using var temp = new TempNamespace();

        var act = () => temp.Namespace.Run(() => throw new InvalidOperationException("boom"));

        act.Should().Throw<InvalidOperationException>().WithMessage("boom");
    }

    [Fact]
    public void Run_with_an_action()
    {
        using var temp = new TempNamespace();
        ulong seen = 0;

        temp.Namespace.Run(() =>
        {
            using NetworkNamespace here = NetworkNamespace.Current();
            seen = here.Inode;
        });

        seen.Should().Be(temp.Namespace.Inode);
    }
}
