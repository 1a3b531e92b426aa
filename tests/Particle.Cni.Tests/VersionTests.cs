namespace Particle.Cni.Tests;

public sealed class VersionTests
{
    private const string All = "[\"0.1.0\",\"0.2.0\",\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]";

    [Fact]
    public void Libcni_dummy_call_is_answered()
    {
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = "VERSION",
            ["CNI_CONTAINERID"] = "",
            ["CNI_NETNS"] = "dummy",
            ["CNI_IFNAME"] = "dummy",
            ["CNI_PATH"] = "dummy",
        };
        var run = CniRun.Run(env, """{"cniVersion":"1.1.0"}""");
        run.Exit.Should().Be(0);
        run.Stdout.Should().Be($$"""{"cniVersion":"1.1.0","supportedVersions":{{All}}}""" + "\n");
    }

    [Theory]
    [InlineData("", "1.1.0")]
    [InlineData("  \n", "1.1.0")]
    [InlineData("""{"cniVersion":"0.4.0"}""", "0.4.0")]
    [InlineData("""{"cniVersion":"1.0.0","name":"x","plugins":[]}""", "1.0.0")]
    [InlineData("""{"cniVersion":"9.9.9"}""", "1.1.0")]
    [InlineData("not json", "1.1.0")]
    [InlineData("{}", "0.1.0")]
    public void Version_echoes_a_supported_input_version_else_latest(string stdin, string expected)
    {
        var run = CniRun.Run(new Dictionary<string, string> { ["CNI_COMMAND"] = "VERSION" }, stdin);
        run.Exit.Should().Be(0);
        run.Stdout.Should().Be($$"""{"cniVersion":"{{expected}}","supportedVersions":{{All}}}""" + "\n");
    }
}
