using Particle.Protocol;

namespace Particle.Cni.Tests;

public sealed class EnvironmentTests
{
    [Fact]
    public void No_command_and_no_args_is_code_4_naming_CNI_COMMAND()
    {
        CniRun.Run([], "").ShouldFail(ErrorCodes.InvalidEnvironment, "CNI_COMMAND");
    }

    [Fact]
    public void Unknown_command_is_code_4_naming_CNI_COMMAND()
    {
        CniRun.Run(CniRun.Env("FROB"), CniRun.Conf()).ShouldFail(ErrorCodes.InvalidEnvironment, "CNI_COMMAND");
    }

    [Theory]
    [InlineData("ADD", "CNI_CONTAINERID")]
    [InlineData("ADD", "CNI_NETNS")]
    [InlineData("ADD", "CNI_IFNAME")]
    [InlineData("CHECK", "CNI_CONTAINERID")]
    [InlineData("CHECK", "CNI_NETNS")]
    [InlineData("CHECK", "CNI_IFNAME")]
    [InlineData("DEL", "CNI_CONTAINERID")]
    [InlineData("DEL", "CNI_IFNAME")]
    [InlineData("GC", "CNI_PATH")]
    public void Missing_required_variable_is_named(string command, string variable)
    {
        CniRun.Run(CniRun.Env(command, (variable, null)), CniRun.Conf()).ShouldFail(ErrorCodes.InvalidEnvironment, variable);
        CniRun.Run(CniRun.Env(command, (variable, "")), CniRun.Conf()).ShouldFail(ErrorCodes.InvalidEnvironment, variable);
    }

    [Theory]
    [InlineData("-starts-with-dash")]
    [InlineData("has space")]
    [InlineData("has/slash")]
    [InlineData("ünicode")]
    [InlineData("_underscore_first")]
    public void Bad_container_id_is_named(string id)
    {
        CniRun.Run(CniRun.Env("ADD", ("CNI_CONTAINERID", id)), CniRun.Conf()).ShouldFail(ErrorCodes.InvalidEnvironment, "CNI_CONTAINERID");
    }

    [Theory]
    [InlineData("abcdefghijklmnop")] // 16 bytes
    [InlineData("eth/0")]
    [InlineData("eth:0")]
    [InlineData("eth 0")]
    [InlineData("eth\t0")]
    [InlineData("eth\u00000")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("ééééééééé")] // 9 chars, 18 bytes
    public void Bad_interface_name_is_named(string ifName)
    {
        CniRun.Run(CniRun.Env("ADD", ("CNI_IFNAME", ifName)), CniRun.Conf()).ShouldFail(ErrorCodes.InvalidEnvironment, "CNI_IFNAME");
    }

    [Fact]
    public void Overlong_netns_path_is_named()
    {
        string path = "/" + new string('n', 5000);
        CniRun.Run(CniRun.Env("ADD", ("CNI_NETNS", path)), CniRun.Conf()).ShouldFail(ErrorCodes.InvalidEnvironment, "CNI_NETNS");
        CniRun.Run(CniRun.Env("DEL", ("CNI_NETNS", path)), CniRun.Conf()).ShouldFail(ErrorCodes.InvalidEnvironment, "CNI_NETNS");
    }

    [Fact]
    public void Overlong_container_id_is_named()
    {
        CniRun.Run(CniRun.Env("ADD", ("CNI_CONTAINERID", new string('a', 5000))), CniRun.Conf())
            .ShouldFail(ErrorCodes.InvalidEnvironment, "CNI_CONTAINERID");
    }

    [Theory]
    [InlineData("STATUS")]
    [InlineData("VERSION")]
    public void Verbs_without_container_need_no_container_variables(string command)
    {
        var env = new Dictionary<string, string> { ["CNI_COMMAND"] = command, ["CNI_CONTAINERID"] = "not valid!", ["CNI_IFNAME"] = "way-too-long-interface" };
        var run = CniRun.Run(env, CniRun.Conf(extra: "\"socket\":\"/nonexistent/p.sock\""));
        if (run.Exit != 0)
            CniRun.Error(run.Stdout).Code.Should().NotBe(ErrorCodes.InvalidEnvironment);
    }

    [Fact]
    public void Gc_needs_only_command_and_path()
    {
        var env = new Dictionary<string, string> { ["CNI_COMMAND"] = "GC", ["CNI_PATH"] = "/opt/cni/bin" };
        var run = CniRun.Run(env, CniRun.Conf(extra: "\"socket\":\"/nonexistent/particle.sock\""));
        CniRun.Error(run.Stdout).Code.Should().Be(ErrorCodes.TryAgainLater);
    }

    [Fact]
    public void Environment_is_judged_before_stdin()
    {
        CniRun.Run(CniRun.Env("ADD", ("CNI_IFNAME", null)), "not json").ShouldFail(ErrorCodes.InvalidEnvironment, "CNI_IFNAME");
    }
}
