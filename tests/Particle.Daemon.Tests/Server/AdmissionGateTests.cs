using Particle.Daemon.Server;
using Particle.Protocol;

namespace Particle.Daemon.Tests.Server;

public sealed class AdmissionGateTests
{
    [Fact]
    public async Task Beyond_slots_and_queue_a_request_is_refused_at_once_with_code_11()
    {
        var gate = new AdmissionGate(maxInFlight: 2, maxQueued: 1, queueWait: TimeSpan.FromSeconds(30));
        var first = await gate.EnterAsync(Verbs.Add, default);
        var second = await gate.EnterAsync(Verbs.Add, default);
        first.Slot.Should().NotBeNull();
        second.Slot.Should().NotBeNull();

        var queued = gate.EnterAsync(Verbs.Add, default).AsTask();
        await WaitUntil(() => gate.Waiting == 1);
        var refused = await gate.EnterAsync(Verbs.Check, default);

        refused.Slot.Should().BeNull();
        refused.Refusal!.Code.Should().Be(ErrorCodes.TryAgainLater);
        refused.Refusal.Message.Should().Contain("busy").And.Contain("CHECK was not started");
        queued.IsCompleted.Should().BeFalse();

        first.Slot!.Dispose();
        (await queued).Slot.Should().NotBeNull("a released slot goes to the waiting request");
        gate.Waiting.Should().Be(0);
    }

    [Fact]
    public async Task A_queued_request_gives_up_after_the_queue_wait_with_code_11()
    {
        var gate = new AdmissionGate(maxInFlight: 1, maxQueued: 10, queueWait: TimeSpan.FromMilliseconds(100));
        using var held = (await gate.EnterAsync(Verbs.Add, default)).Slot;

        var waited = await gate.EnterAsync(Verbs.Add, default);

        waited.Slot.Should().BeNull();
        waited.Refusal!.Code.Should().Be(ErrorCodes.TryAgainLater);
        waited.Refusal.Message.Should().Contain("waited");
        gate.Waiting.Should().Be(0);
    }

    [Fact]
    public async Task Del_is_never_refused_for_load_it_waits_its_turn()
    {
        var gate = new AdmissionGate(maxInFlight: 1, maxQueued: 0, queueWait: TimeSpan.FromMilliseconds(50));
        var held = (await gate.EnterAsync(Verbs.Add, default)).Slot!;

        var del = gate.EnterAsync(Verbs.Del, default).AsTask();
        await Task.Delay(200);
        del.IsCompleted.Should().BeFalse("DEL waits beyond the queue wait instead of being refused");
        (await gate.EnterAsync(Verbs.Add, default)).Refusal.Should().NotBeNull();

        held.Dispose();
        (await del).Slot.Should().NotBeNull();
    }

    [Fact]
    public async Task A_slot_released_twice_frees_one_slot_only()
    {
        var gate = new AdmissionGate(maxInFlight: 1, maxQueued: 0);
        var slot = (await gate.EnterAsync(Verbs.Add, default)).Slot!;
        slot.Dispose();
        slot.Dispose();
        (await gate.EnterAsync(Verbs.Add, default)).Slot.Should().NotBeNull();
        (await gate.EnterAsync(Verbs.Add, default)).Refusal.Should().NotBeNull();
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
            await Task.Delay(10);
        condition().Should().BeTrue();
    }
}
