using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Particle.Daemon.Attachments;
using Particle.Daemon.Cluster;
using Particle.Daemon.Configuration;
using Particle.Daemon.Firewall;
using Particle.Daemon.Ipam;
using Particle.Daemon.Metrics;
using Particle.Daemon.Overlay;
using Particle.Daemon.Server;
using Particle.Netlink;

namespace Particle.Daemon;

/// <summary>Start-up, the housekeeping timer and an orderly stop on SIGTERM or SIGINT.</summary>
public static class DaemonHost
{
    public const string JournalFileName = "ipam.journal";

    /// <summary>How long start-up keeps asking an unreachable cluster store before exiting 2 (docs/cluster-stores.md).</summary>
    private static readonly TimeSpan JoinDeadline = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string configPath, LogLevel level, CancellationToken cancel)
    {
        using var loggers = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(level)
            .AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                // Lines logged while a request is served carry its verb, network, container and interface.
                options.IncludeScopes = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            }));
        var log = loggers.CreateLogger("particled");

        DaemonSettings settings;
        try
        {
            settings = DaemonSettings.Load(configPath);
        }
        catch (ConfigException e)
        {
            log.LogCritical("{Error}", e.Message);
            return 2;
        }

        // Kernel calls block their thread; a pool that starts at one thread per core would make a burst
        // of ADDs wait for the pool to grow.
        ThreadPool.SetMinThreads(64, 64);

        try
        {
            PrepareStateDirectory(settings.StateDir);
        }
        catch (IOException e)
        {
            log.LogCritical("{Error}", e.Message);
            return 2;
        }
        // Overlay networks have no subnet until the cluster leases one: join before anything uses the networks.
        IClusterStore? store = null;
        RouteNetlink? overlayNode = null;
        OverlayDataPlane? overlay = null;
        if (settings.Cluster is not null)
        {
            try
            {
                store = ClusterStores.Create(settings.Cluster, loggers);
                overlayNode = RouteNetlink.Open();
                using var joining = CancellationTokenSource.CreateLinkedTokenSource(cancel);
                joining.CancelAfter(JoinDeadline);
                overlay = await OverlayDataPlane.JoinAsync(settings, store, overlayNode, loggers.CreateLogger("overlay"), joining.Token);
                settings = settings.WithLeased(overlay.Definitions);
            }
            catch (Exception e) when (e is ConfigException or ClusterStoreException or NetlinkException or IOException or OperationCanceledException)
            {
                log.LogCritical("cannot join the cluster: {Error}", e is OperationCanceledException && !cancel.IsCancellationRequested
                    ? $"no lease within {JoinDeadline.TotalSeconds} s" : e.Message);
                overlayNode?.Dispose();
                if (store is not null)
                    await store.DisposeAsync();
                return 2;
            }
        }
        await using var leases = store;
        using var overlayNetlink = overlayNode;
        // /readyz asks the store whether this node's lease still stands.
        using var storeReadiness = store is null ? null : ClusterStoreMetrics.Register(store);

        IpamStore ipamStore;
        try
        {
            ipamStore = IpamStore.Open(Path.Combine(settings.StateDir, JournalFileName), settings.Networks);
        }
        catch (IOException e)
        {
            log.LogCritical("cannot open the allocation journal: {Error}", e.Message);
            return 2;
        }
        using var ipam = ipamStore;
        using var node = RouteNetlink.Open();
        // The listener comes up before recovery: /healthz answers and /readyz says "not loaded" while it
        // runs, and a port that cannot be bound stops the daemon before it touches the kernel.
        using var addressGauges = AddressMetrics.Register(settings, ipam);
        using var healthNode = RouteNetlink.Open();
        var readiness = new Readiness(settings, healthNode);
        using var metrics = settings.Metrics is { } metricsSettings
            ? new MetricsEndpoint(metricsSettings, readiness, loggers.CreateLogger("metrics"))
            : null;
        try
        {
            metrics?.Start();
        }
        catch (Exception e) when (e is System.Net.HttpListenerException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            log.LogCritical("cannot serve metrics on {Address}: {Error} (set \"metrics\": {{ \"address\": \"\" }} to turn them off)",
                settings.Metrics, e.InnerException?.Message ?? e.Message);
            return 2;
        }

        NodeFirewall firewallRules;
        try
        {
            firewallRules = NodeFirewall.Open(loggers.CreateLogger("firewall"));
        }
        catch (Particle.Linux.NftablesUnavailableException e)
        {
            log.LogCritical("cannot program the firewall (egress, isolation): {Error}", e.Message);
            return 2;
        }
        using var firewall = firewallRules;
        readiness.Firewall = firewall;

        var service = new AttachmentService(settings, ipam, node, loggers.CreateLogger("attachments"));
        try
        {
            service.Recover();
            if (overlay is not null)
                overlay.Setup();
            else
                ForgetOverlay(node, loggers.CreateLogger("overlay"));
            firewall.Apply(settings);
        }
        catch (Particle.Linux.NftablesException e)
        {
            log.LogCritical("cannot program the firewall (egress, isolation): {Error}", e.Message);
            return 2;
        }
        catch (Exception e) when (e is ConfigException or IOException)
        {
            // IOException: a state or pool folder refused (a planted link, writable by others).
            log.LogCritical("{Error}", e.Message);
            return 2;
        }
        catch (NetlinkException e) when (overlay is not null)
        {
            log.LogCritical("cannot set up the overlay: {Error}", e.Message);
            return 2;
        }

        using var poolLevels = PoolMetrics.Register(new NamespacePoolLevels(service.Pools));
        using var endpointLevels = PoolMetrics.Register(new EndpointPoolLevels(service));
        using var overlayLevels = overlay is null ? null : OverlayMetrics.Register(overlay);

        using var server = new SocketServer(settings.SocketPath, service, loggers.CreateLogger("server"));
        try
        {
            server.Start();
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
        {
            log.LogCritical("cannot serve on {Path}: {Error}", settings.SocketPath, e.Message);
            return 2;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        void OnStopSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStopSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStopSignal);
        readiness.MarkLoaded();
        // Pools fill in the background: the socket already serves cold ADDs while they do.
        var filling = service.RunBackgroundAsync(stop.Token);
        var following = overlay?.RunAsync(TimeSpan.FromSeconds(5), stop.Token) ?? Task.CompletedTask;
        log.LogInformation("particled ready: {Networks} network(s), state in {StateDir}", settings.Networks.Count, settings.StateDir);

        using var sweep = new PeriodicTimer(settings.PendingDeleteScan);
        try
        {
            while (await sweep.WaitForNextTickAsync(stop.Token))
            {
                try
                {
                    service.Sweep();
                    if (firewall.Reconcile())
                        DaemonEvents.Record(EventKinds.Network, null, FirewallRuleset.Table, "firewall table had drifted; applied again", error: true);
                }
                catch (Exception e) when (e is NetlinkException or IOException or ConfigException or InvalidOperationException or Particle.Linux.NftablesException)
                {
                    if (e is NetlinkException netlink)
                        NetlinkMetrics.Failed(netlink);
                    DaemonEvents.Record(EventKinds.Housekeeping, null, null, $"housekeeping failed, will retry: {e.Message}", error: true);
                    log.LogWarning("housekeeping failed, will retry: {Error}", e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        log.LogInformation("stopping");
        await server.StopAsync(TimeSpan.FromSeconds(10));
        // Pooled namespaces are left in place on purpose: they are adopted at the next start.
        await filling;
        await following;
        return 0;
    }

    /// <summary>Cleaning up after an earlier overlay configuration is no reason to refuse serving.</summary>
    private static void ForgetOverlay(RouteNetlink node, ILogger log)
    {
        try
        {
            OverlayDataPlane.ForgetAll(node, log);
        }
        catch (NetlinkException e)
        {
            log.LogWarning("cannot remove the rules and routes of an earlier overlay configuration: {Error}", e.Message);
        }
    }

    /// <summary>
    /// The state folder is root's alone (0700, also when it existed before) and never reached through a
    /// symbolic link, which someone else could have planted to redirect the journal.
    /// </summary>
    private static void PrepareStateDirectory(string path)
    {
        switch (Particle.Linux.FileKind.Of(path))
        {
            case Particle.Linux.FileKinds.Missing:
                Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                break;
            case Particle.Linux.FileKinds.Directory:
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                break;
            case var other:
                throw new IOException($"state directory {path} is a {other.ToString().ToLowerInvariant()}, not a directory; refusing to use it");
        }
    }
}
