namespace Particle.Linux.Tests;

public sealed class LinuxExceptionTests
{
    [Fact]
    public void Message_names_operation_target_and_errno()
    {
        var e = new LinuxException(Errno.EINVAL, "setns", "/run/netns/x");

        e.Message.Should().Be("setns(/run/netns/x): EINVAL (Invalid argument)");
        e.ErrnoName.Should().Be("EINVAL");
    }

    [Fact]
    public void Without_a_target_only_the_operation_is_named()
    {
        new LinuxException(Errno.EPERM, "socket", null).Message.Should().Be("socket: EPERM (Operation not permitted)");
    }

    [Fact]
    public void Unknown_errno_values_still_format()
    {
        Errno.Name(250).Should().Be("errno 250");
    }
}
