using System.Text.Json;

namespace Particle.Protocol.Tests;

/// <summary>EVENTS and the NODESTATUS additions are additive: old fields keep their names, new ones are omitted when null.</summary>
public class EventsMessageTests
{
    [Fact]
    public void An_events_request_carries_the_sequence_to_start_after()
    {
        var json = JsonSerializer.Serialize(new DaemonRequest { Verb = Verbs.Events, Since = 41 }, ProtocolJsonContext.Default.DaemonRequest);

        json.Should().Be("""{"verb":"EVENTS","network":"","since":41}""");
    }

    [Fact]
    public void An_events_response_round_trips()
    {
        var response = new DaemonResponse
        {
            Events = [new EventInfo { Sequence = 42, TimeUnixMs = 1000, Kind = "pool", Network = "pods", Subject = "namespace", Message = "refilled 4" }],
            LastSequence = 42,
        };

        var json = JsonSerializer.Serialize(response, ProtocolJsonContext.Default.DaemonResponse);

        json.Should().Be("""{"code":0,"events":[{"sequence":42,"timeUnixMs":1000,"kind":"pool","network":"pods","subject":"namespace","message":"refilled 4","error":false}],"lastSequence":42}""");
        var back = JsonSerializer.Deserialize(json, ProtocolJsonContext.Default.DaemonResponse)!;
        back.Events.Should().ContainSingle().Which.Message.Should().Be("refilled 4");
        back.LastSequence.Should().Be(42);
    }

    [Fact]
    public void A_node_status_from_an_older_daemon_still_reads_and_the_new_fields_stay_null()
    {
        var old = """{"code":0,"networks":[{"name":"pods","subnet":"10.0.0.0/24","gateway":"10.0.0.1","bridge":"b","addressesTotal":253,"addressesUsed":1}]}""";

        var status = JsonSerializer.Deserialize(old, ProtocolJsonContext.Default.DaemonResponse)!.Networks!.Single();

        status.Pools.Should().BeNull();
        status.RemoteNodes.Should().BeNull();
        status.Problem.Should().BeNull();
        status.LastError.Should().BeNull();
    }
}
