using Particle.Protocol;

namespace Particle.Cni.Tests;

public sealed class CniArgsTests
{
    [Theory]
    [InlineData("K8S_POD_NAME")]
    [InlineData("K8S_POD_NAME=a=b")]
    [InlineData("K8S_POD_NAME=a;")]
    [InlineData("=value")]
    [InlineData("IgnoreUnknown=1;;K8S_POD_NAME=a")]
    public void Malformed_pair_is_code_4_naming_CNI_ARGS(string args)
    {
        CniRun.Run(CniRun.Env("ADD", ("CNI_ARGS", args)), CniRun.Conf()).ShouldFail(ErrorCodes.InvalidEnvironment, "CNI_ARGS");
    }

    [Fact]
    public void Unknown_key_is_an_error_without_IgnoreUnknown()
    {
        CniRun.Run(CniRun.Env("ADD", ("CNI_ARGS", "K8S_POD_NAME=a;FOO=bar")), CniRun.Conf())
            .ShouldFail(ErrorCodes.InvalidEnvironment, "FOO");
    }

    [Theory]
    [InlineData("IgnoreUnknown=maybe")]
    [InlineData("IgnoreUnknown=")]
    public void Bad_IgnoreUnknown_value_is_an_error(string args)
    {
        CniRun.Run(CniRun.Env("ADD", ("CNI_ARGS", args)), CniRun.Conf()).ShouldFail(ErrorCodes.InvalidEnvironment, "IgnoreUnknown");
    }

    [Theory]
    [InlineData("FOO=bar;IgnoreUnknown=1")]
    [InlineData("IgnoreUnknown=true;FOO=bar")]
    [InlineData("IgnoreUnknown=TRUE;FOO=bar")]
    public void Unknown_keys_are_dropped_with_IgnoreUnknown_anywhere(string args)
    {
        Cni.CniArgs.TryParse(args, out var parsed, out var error).Should().BeTrue(error?.Msg);
        parsed.Should().BeEmpty();
    }

    [Fact]
    public void IgnoreUnknown_false_keeps_unknown_keys_an_error()
    {
        Cni.CniArgs.TryParse("IgnoreUnknown=0;FOO=bar", out _, out var error).Should().BeFalse();
        error!.Code.Should().Be(ErrorCodes.InvalidEnvironment);
    }

    [Fact]
    public void Kubernetes_keys_are_forwarded_and_IgnoreUnknown_is_not()
    {
        const string args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u-1;X=y";
        Cni.CniArgs.TryParse(args, out var parsed, out _).Should().BeTrue();
        parsed.Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["K8S_POD_NAMESPACE"] = "ns",
            ["K8S_POD_NAME"] = "web-0",
            ["K8S_POD_INFRA_CONTAINER_ID"] = "abc",
            ["K8S_POD_UID"] = "u-1",
        });
    }

    [Fact]
    public void Empty_args_are_fine()
    {
        Cni.CniArgs.TryParse("", out var parsed, out _).Should().BeTrue();
        parsed.Should().BeEmpty();
    }
}
