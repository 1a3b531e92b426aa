using System.Text.Json;
using Particle.Protocol;

namespace Particle.Cni.Tests;

/// <summary>The plugin's hand-written daemon messages agree with the serializer the daemon uses.</summary>
public class DaemonMessagesTests
{
    [Fact]
    public void A_request_reads_back_through_the_daemons_serializer_unchanged()
    {
        var request = new DaemonRequest
        {
            Verb = "GC", Network = "net", ContainerId = "c\"1", IfName = "eth0", Netns = "/run/netns/ü",
            Args = new() { ["K8S_POD_NAME"] = "p", ["K8S_POD_NAMESPACE"] = "ns" },
            ExpectedAddresses = ["10.1.0.5/16"],
            ValidAttachments = [new AttachmentKey { ContainerId = "a", IfName = "eth0" }],
        };

        var back = JsonSerializer.Deserialize(DaemonMessages.Write(request), ProtocolJsonContext.Default.DaemonRequest)!;

        back.Should().BeEquivalentTo(request);
        JsonSerializer.Deserialize(DaemonMessages.Write(new DaemonRequest { Verb = "STATUS", Network = "n" }),
            ProtocolJsonContext.Default.DaemonRequest).Should().BeEquivalentTo(new DaemonRequest { Verb = "STATUS", Network = "n" });
    }

    [Fact]
    public void A_response_written_by_the_daemons_serializer_reads_back_unchanged()
    {
        var response = DaemonResponse.Success(ResultFormatTests.Attachment());
        response.Result!.Dns = new ResultDns { Nameservers = ["10.0.0.10"], Domain = "cluster.local", Search = ["a", "b"], Options = ["ndots:5"] };
        response.Result.Routes.Add(new ResultRoute { Dst = "10.9.0.0/16", Gw = "10.1.0.1", Mtu = 1400 });

        var back = DaemonMessages.Read(JsonSerializer.SerializeToUtf8Bytes(response, ProtocolJsonContext.Default.DaemonResponse));

        back.Should().BeEquivalentTo(response);
        DaemonMessages.Read(JsonSerializer.SerializeToUtf8Bytes(DaemonResponse.Failure(11, "busy", "d"), ProtocolJsonContext.Default.DaemonResponse))
            .Should().BeEquivalentTo(DaemonResponse.Failure(11, "busy", "d"));
    }

    [Theory]
    [InlineData("""{"code":"eleven"}""")]
    [InlineData("""{"result":{"ips":[{"address":5}]}}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"code":""")]
    public void A_reply_of_the_wrong_shape_is_a_json_error(string reply)
    {
        FluentActions.Invoking(() => DaemonMessages.Read(System.Text.Encoding.UTF8.GetBytes(reply))).Should().Throw<JsonException>();
    }
}
