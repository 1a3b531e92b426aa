using System.Diagnostics;
using System.Diagnostics.Metrics;
using Particle.Daemon.Metrics;
using Particle.Netlink;
using Particle.Protocol;

namespace Particle.Daemon.Tests.Metrics;

/// <summary>What the call sites put into the instruments, seen through a plain <see cref="MeterListener"/>.</summary>
[Collection(nameof(DaemonEventsTests))]
public sealed class InstrumentTests : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<(string Instrument, double Value, Dictionary<string, string?> Tags)> _seen = [];

    public InstrumentTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Telemetry.MeterName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Seen(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Seen(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Seen(i, v, tags));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public void A_request_is_counted_by_verb_and_code_and_timed_by_verb()
    {
        RequestMetrics.Served(new DaemonRequest { Verb = Verbs.Add, Network = "pods", ContainerId = "c1", IfName = "eth0" },
            DaemonResponse.Failure(ErrorCodes.KernelError, "RTM_NEWLINK: EEXIST"), Stopwatch.GetTimestamp());

        Of("particle.requests").Should().ContainSingle().Which.Tags.Should().BeEquivalentTo(new Dictionary<string, string?> { ["verb"] = "ADD", ["code"] = "100" });
        var duration = Of("particle.request.duration").Should().ContainSingle().Subject;
        duration.Tags.Should().BeEquivalentTo(new Dictionary<string, string?> { ["verb"] = "ADD" });
        duration.Value.Should().BeInRange(0, 5);
        DaemonEvents.Since(DaemonEvents.LastSequence - 1).Single().Should().BeEquivalentTo(new
        {
            Kind = "attachment", Network = "pods", Subject = "c1/eth0", Error = true,
        });
    }

    [Fact]
    public void A_verb_the_daemon_does_not_know_is_one_label_value()
    {
        RequestMetrics.Served(new DaemonRequest { Verb = "DROP TABLE" }, DaemonResponse.Success(), Stopwatch.GetTimestamp());
        RequestMetrics.Served(new DaemonRequest { Verb = "x" + new string('y', 500) }, DaemonResponse.Failure(4, "unknown verb"), Stopwatch.GetTimestamp());

        Of("particle.requests").Select(m => m.Tags["verb"]).Should().Equal("OTHER", "OTHER");
    }

    [Fact]
    public void A_request_refused_or_failed_outside_the_service_is_counted_but_not_timed()
    {
        RequestMetrics.Unserved(null, ErrorCodes.DecodeFailure);
        RequestMetrics.Unserved(new DaemonRequest { Verb = Verbs.Del }, ErrorCodes.Internal);

        Of("particle.requests").Select(m => (m.Tags["verb"], m.Tags["code"])).Should().Equal(("OTHER", "6"), ("DEL", "199"));
        Of("particle.request.duration").Should().BeEmpty();
    }

    [Fact]
    public void Netlink_errors_are_labelled_with_the_message_type_and_errno_name()
    {
        NetlinkMetrics.Failed(new NetlinkException(17, "RTM_NEWLINK", "veth pc1", null));

        Of("particle.netlink.errors").Should().ContainSingle().Which.Tags.Should()
            .BeEquivalentTo(new Dictionary<string, string?> { ["operation"] = "RTM_NEWLINK", ["errno"] = "EEXIST" });
    }

    [Fact]
    public void A_registered_pool_is_observed_until_its_registration_is_disposed()
    {
        var pool = new FixedPool(new PoolLevel("pods", PoolKinds.Endpoint, Free: 7, InUse: 2, Target: 8));
        using (PoolMetrics.Register(pool))
        {
            _listener.RecordObservableInstruments();
            Of("particle.pool.free").Should().ContainSingle(m => m.Tags["kind"] == "endpoint").Which.Value.Should().Be(7);
            Of("particle.pool.in_use").Should().ContainSingle(m => m.Tags["kind"] == "endpoint").Which.Value.Should().Be(2);
            Of("particle.pool.target").Should().ContainSingle(m => m.Tags["kind"] == "endpoint" && (string?)m.Tags["network"] == "pods").Which.Value.Should().Be(8);
        }
        _seen.Clear();
        _listener.RecordObservableInstruments();
        Of("particle.pool.free").Should().NotContain(m => m.Tags["kind"] == "endpoint");
    }

    [Fact]
    public void A_refill_counts_its_batch_size_duration_and_result()
    {
        PoolMetrics.Refilled("pods", PoolKinds.Namespace, 4, TimeSpan.FromMilliseconds(30), null);
        PoolMetrics.Refilled("pods", PoolKinds.Namespace, 2, TimeSpan.FromMilliseconds(5), new NetlinkException(12, "RTM_NEWLINK", null, null));

        Of("particle.pool.refills").Select(m => m.Tags["result"]).Should().Equal("ok", "error");
        Of("particle.pool.refill.batch_size").Select(m => m.Value).Should().Equal(4, 2);
        Of("particle.pool.refill.duration").Select(m => m.Value).Should().Equal(0.03, 0.005);
        Of("particle.netlink.errors").Should().ContainSingle().Which.Tags["errno"].Should().Be("ENOMEM");
    }

    [Fact]
    public void An_overlay_reports_its_gauges_per_network()
    {
        var overlay = new FixedOverlay(new OverlayLevels("pods", RemoteNodes: 3, Routes: 3, FdbEntries: 3, Neighbours: 3,
            StoreConnected: true, LastSync: DateTimeOffset.UtcNow.AddSeconds(-2), Problem: null));
        using (OverlayMetrics.Register(overlay))
        {
            _listener.RecordObservableInstruments();
            Of("particle.overlay.remote_nodes").Should().ContainSingle().Which.Value.Should().Be(3);
            Of("particle.overlay.store_connected").Should().ContainSingle().Which.Value.Should().Be(1);
            Of("particle.overlay.last_sync_age").Should().ContainSingle().Which.Value.Should().BeInRange(1.5, 60);
        }
    }

    [Fact]
    public void Process_figures_come_from_proc()
    {
        ProcessMetrics.ResidentBytes().Should().BeGreaterThan(1 << 20);
        int open = ProcessMetrics.OpenDescriptors();
        using (File.OpenRead("/proc/self/stat"))
            ProcessMetrics.OpenDescriptors().Should().Be(open + 1);
    }

    private List<(string Instrument, double Value, Dictionary<string, string?> Tags)> Of(string instrument)
    {
        lock (_seen)
            return _seen.Where(m => m.Instrument == instrument).ToList();
    }

    private void Seen(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, string?>();
        foreach (var tag in tags)
            copy[tag.Key] = tag.Value?.ToString();
        lock (_seen)
            _seen.Add((instrument.Name, value, copy));
    }

    private sealed class FixedPool(PoolLevel level) : IPoolLevels
    {
        public IEnumerable<PoolLevel> Levels() => [level];
    }

    private sealed class FixedOverlay(OverlayLevels levels) : IOverlayLevels
    {
        public IEnumerable<OverlayLevels> Levels() => [levels];
    }
}
