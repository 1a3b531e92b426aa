using Particle.Daemon.Metrics;
using Particle.Protocol;

namespace Particle.Daemon.Tests.Metrics;

/// <summary>The ring is process-wide, so these tests look only at what they recorded after their own start.</summary>
[Collection(nameof(DaemonEventsTests))]
public class DaemonEventsTests
{
    [Fact]
    public void Events_since_a_sequence_are_the_newer_ones_oldest_first()
    {
        long start = DaemonEvents.LastSequence;
        DaemonEvents.Record(EventKinds.Pool, "pods", "namespace", "refilled 4");
        DaemonEvents.Record(EventKinds.Network, "pods", "pt0", "repaired", error: true);

        var events = DaemonEvents.Since(start);
        events.Select(e => e.Message).Should().Equal("refilled 4", "repaired");
        events[1].Sequence.Should().Be(events[0].Sequence + 1);
        events[1].Error.Should().BeTrue();
        DaemonEvents.Since(events[1].Sequence).Should().BeEmpty();
        DaemonEvents.LastError("pods")!.Message.Should().Be("repaired");
    }

    [Fact]
    public void The_ring_keeps_only_the_newest_capacity_events()
    {
        long start = DaemonEvents.LastSequence;
        for (int i = 0; i < DaemonEvents.Capacity + 10; i++)
            DaemonEvents.Record(EventKinds.Attachment, "ring", null, $"event {i}");

        var events = DaemonEvents.Since(start);
        events.Should().HaveCount(DaemonEvents.Capacity);
        events[0].Message.Should().Be("event 10");
        events[^1].Message.Should().Be($"event {DaemonEvents.Capacity + 9}");
    }

    [Fact]
    public void A_sequence_from_before_a_restart_gets_every_event_and_an_answer_names_the_last_sequence()
    {
        DaemonEvents.Record(EventKinds.Overlay, "pods", "node-2", "joined");
        long last = DaemonEvents.LastSequence;

        var answer = DaemonEvents.Answer(new DaemonRequest { Verb = Verbs.Events, Since = last + 1000 });
        answer.Events.Should().NotBeEmpty();
        answer.LastSequence.Should().Be(answer.Events![^1].Sequence);

        var nothingNew = DaemonEvents.Answer(new DaemonRequest { Verb = Verbs.Events, Since = DaemonEvents.LastSequence });
        nothingNew.Events.Should().BeEmpty();
        nothingNew.LastSequence.Should().Be(DaemonEvents.LastSequence);
    }
}
