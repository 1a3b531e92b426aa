using System.Net;
using Particle.Daemon.Cluster;

namespace Particle.Daemon.Tests.Cluster;

public class LeasedSubnetsTests
{
    [Fact]
    public void The_last_subnet_per_network_survives_in_the_state_folder()
    {
        using var dir = new TempDir();

        LeasedSubnets.Read(dir.Path, "a").Should().BeNull();
        LeasedSubnets.Write(dir.Path, "a", IPNetwork.Parse("10.244.3.0/24"));
        LeasedSubnets.Write(dir.Path, "b", IPNetwork.Parse("10.245.9.0/24"));
        LeasedSubnets.Write(dir.Path, "a", IPNetwork.Parse("10.244.4.0/24"));

        LeasedSubnets.Read(dir.Path, "a").Should().Be(IPNetwork.Parse("10.244.4.0/24"));
        LeasedSubnets.Read(dir.Path, "b").Should().Be(IPNetwork.Parse("10.245.9.0/24"));
        File.ReadAllText(dir.File("subnet.a")).Should().Be("10.244.4.0/24\n");
        File.GetUnixFileMode(dir.File("subnet.a")).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Directory.GetFiles(dir.Path).Select(Path.GetFileName).Should().BeEquivalentTo(["subnet.a", "subnet.b"]);
    }

    [Fact]
    public void An_unreadable_record_is_no_previous_subnet()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("subnet.a"), "garbage");

        LeasedSubnets.Read(dir.Path, "a").Should().BeNull();
    }
}
