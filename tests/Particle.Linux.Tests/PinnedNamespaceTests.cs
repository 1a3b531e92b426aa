using Particle.Linux;

namespace Particle.Linux.Tests;

/// <summary>Namespaces pinned by a bind mount, made and removed without any process: in a temp folder, always cleaned up.</summary>
public sealed class PinnedNamespaceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("particle-pin-").FullName;

    public void Dispose()
    {
        foreach (var file in Directory.GetFiles(_dir))
            PinnedNamespace.Destroy(file);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Creates_a_new_network_namespace_that_outlives_its_thread_and_destroys_it()
    {
        string path = Path.Combine(_dir, "a");
        ulong insideInode = 0;

        PinnedNamespace.Create(path, () =>
        {
            using var inside = NetworkNamespace.Current();
            insideInode = inside.Inode;
        });

        using (var pinned = NetworkNamespace.Open(path))
        using (var current = NetworkNamespace.Current())
        {
            pinned.Inode.Should().Be(insideInode);
            pinned.Inode.Should().NotBe(current.Inode, "the caller's thread never left its namespace");
        }
        MountPoints().Should().Contain(path);

        PinnedNamespace.Destroy(path).Should().BeTrue();

        File.Exists(path).Should().BeFalse();
        MountPoints().Should().NotContain(path);
        PinnedNamespace.Destroy(path).Should().BeFalse("nothing is left to destroy");
    }

    [Fact]
    public void Refuses_an_existing_path_and_leaves_it_alone()
    {
        string path = Path.Combine(_dir, "taken");
        File.WriteAllText(path, "someone's");

        var act = () => PinnedNamespace.Create(path, () => { });

        act.Should().Throw<IOException>();
        File.ReadAllText(path).Should().Be("someone's");
        MountPoints().Should().NotContain(path);
    }

    [Fact]
    public void A_failure_inside_leaves_nothing_behind()
    {
        string path = Path.Combine(_dir, "b");

        var act = () => PinnedNamespace.Create(path, () => throw new InvalidOperationException("boom"));

        act.Should().Throw<InvalidOperationException>().WithMessage("boom");
        File.Exists(path).Should().BeFalse();
        MountPoints().Should().NotContain(path);
    }

    private static List<string> MountPoints() =>
        File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).ToList();
}
