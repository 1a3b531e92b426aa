using System.Text.Json;

namespace Particle.Protocol.Tests;

public class MessageJsonTests
{
    [Fact]
    public void Requests_are_camel_case_and_omit_nulls()
    {
        var request = new DaemonRequest
        {
            Verb = Verbs.Add, Network = "n", ContainerId = "c", IfName = "eth0", Netns = "/run/netns/x",
            Args = new() { ["K8S_POD_NAME"] = "p" },
        };

        var json = JsonSerializer.Serialize(request, ProtocolJsonContext.Default.DaemonRequest);

        json.Should().Be("""{"verb":"ADD","network":"n","containerId":"c","ifName":"eth0","netns":"/run/netns/x","args":{"K8S_POD_NAME":"p"}}""");
    }

    [Fact]
    public void A_failure_response_round_trips()
    {
        var json = JsonSerializer.Serialize(DaemonResponse.Failure(ErrorCodes.TryAgainLater, "busy", "d"),
            ProtocolJsonContext.Default.DaemonResponse);

        json.Should().Be("""{"code":11,"message":"busy","details":"d"}""");
        var back = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.DaemonResponse)!;
        back.Code.Should().Be(11);
        back.Result.Should().BeNull();
    }

    [Fact]
    public void A_pending_delete_note_is_named_after_its_attachment()
    {
        var note = new PendingDeleteNote { Network = "n", ContainerId = "c", IfName = "eth0", WrittenAtUnixMs = 42 };

        PendingDeleteNote.FileName("n", "c", "eth0").Should().MatchRegex("^[0-9a-f]{64}\\.json$")
            .And.Be(PendingDeleteNote.FileName("n", "c", "eth0"))
            .And.NotBe(PendingDeleteNote.FileName("n", "c", "eth1"));
        note.PathIn("/var/lib/particle").Should().StartWith("/var/lib/particle/pending-del/");
        var back = PendingDeleteNote.FromJson(note.ToJson())!;
        back.ContainerId.Should().Be("c");
        back.WrittenAtUnixMs.Should().Be(42);
    }
}
