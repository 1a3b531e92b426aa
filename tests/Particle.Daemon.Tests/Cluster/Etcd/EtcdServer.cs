using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Security.Cryptography.X509Certificates;
using Particle.Linux;

namespace Particle.Daemon.Tests.Cluster.Etcd;

/// <summary>etcd serving https with <paramref name="Server"/>, demanding client certificates signed by a CA of
/// <paramref name="TrustedCa"/>; <paramref name="Admin"/> and <paramref name="ServerCa"/> are etcdctl's.</summary>
internal sealed record EtcdServerTls(PemPair Server, string TrustedCa, PemPair Admin, string ServerCa);

/// <summary>
/// A real etcd (Debian's etcd-server) on 127.0.0.1 of a network namespace of its own (`pcs-XXXXXX`), with a
/// temporary data folder and random ports. The test process reaches it through sockets created inside that
/// namespace (<see cref="Handler"/>), so nothing listens in the root namespace. Stop/Start keep data and
/// ports, as a restarted member would.
/// </summary>
internal sealed class EtcdServer : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("pcs-etcd-").FullName;
    private readonly int _peerPort;
    private readonly StringBuilder _output = new();
    private readonly string[] _extraArgs;
    private Process? _process;

    /// <param name="tls">Serve https with client certificates (null: plain http).</param>
    /// <param name="extraArgs">More etcd flags, e.g. --auth-token-ttl.</param>
    public EtcdServer(EtcdServerTls? tls = null, params string[] extraArgs)
    {
        Tls = tls;
        _extraArgs = extraArgs;
        Namespace = $"pcs-{Guid.NewGuid().ToString("N")[..8]}";
        ClientPort = Random.Shared.Next(20000, 40000);
        _peerPort = ClientPort + 1;
        Run("ip", "netns", "add", Namespace);
        try
        {
            Run("ip", "-n", Namespace, "link", "set", "lo", "up");
            NetNs = NetworkNamespace.Open($"/run/netns/{Namespace}");
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Namespace { get; }

    public NetworkNamespace NetNs { get; } = null!;

    public int ClientPort { get; }

    public Uri Endpoint => new(EndpointText);

    /// <summary>The TLS setup the next <see cref="Start"/> uses; changing it between Stop and Start rotates etcd's side.</summary>
    public EtcdServerTls? Tls { get; set; }

    /// <summary>"root:PASSWORD" once authentication is enabled: etcdctl then needs it.</summary>
    public string? CtlUser { get; set; }

    private string EndpointText => $"{(Tls is null ? "http" : "https")}://127.0.0.1:{ClientPort}";

    /// <summary>A handler whose connections are made from inside the server's namespace.</summary>
    public SocketsHttpHandler Handler() => new()
    {
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        ConnectCallback = async (context, cancel) =>
        {
            Socket socket = NetNs.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            try
            {
                await socket.ConnectAsync(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public void Start()
    {
        var info = new ProcessStartInfo("nsenter")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string peer = $"http://127.0.0.1:{_peerPort}";
        foreach (string arg in new[]
        {
            $"--net=/run/netns/{Namespace}", "etcd", "--name", "pcs", "--data-dir", _dataDir,
            "--listen-client-urls", EndpointText, "--advertise-client-urls", EndpointText,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", $"pcs={peer}",
            "--log-level", "warn",
        }.Concat(Tls is { } tls
            ? ["--cert-file", tls.Server.Cert, "--key-file", tls.Server.Key, "--trusted-ca-file", tls.TrustedCa, "--client-cert-auth"]
            : []).Concat(_extraArgs))
        {
            info.ArgumentList.Add(arg);
        }
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilServing();
    }

    /// <summary>Kills etcd (SIGKILL, by PID) and waits for it to be gone.</summary>
    public void Stop()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>`etcdctl ARGS` run inside the namespace: an independent view of what the store wrote.</summary>
    public string Ctl(params string[] args) =>
        Run(["nsenter", $"--net=/run/netns/{Namespace}", "etcdctl", "--endpoints", EndpointText, .. CtlCredentials(), .. args]);

    private string[] CtlCredentials() =>
        [.. Tls is { } tls ? new[] { "--cacert", tls.ServerCa, "--cert", tls.Admin.Cert, "--key", tls.Admin.Key } : [],
         .. CtlUser is { } user ? new[] { "--user", user } : []];

    public string Log
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Stop();
        }
        finally
        {
            NetNs?.Dispose();
            try
            {
                Run("ip", "netns", "del", Namespace);
            }
            catch (InvalidOperationException)
            {
                // never created
            }
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private void WaitUntilServing()
    {
        SocketsHttpHandler handler = Handler();
        if (Tls is { } tls)
        {
            // Only "is it serving": the store's own checks are what the tests look at.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            var admin = X509Certificate2.CreateFromPemFile(tls.Admin.Cert, tls.Admin.Key);
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => admin;
        }
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with {_process.ExitCode}: {Log}");
            }
            try
            {
                using HttpResponseMessage response = client.GetAsync(new Uri(Endpoint, "/health")).GetAwaiter().GetResult();
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // not answering yet
            }
            Thread.Sleep(100);
        }
        throw new TimeoutException($"etcd did not serve within 20 s: {Log}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static string Run(params string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} did not finish in 30 s");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} failed: {stderr.Result}");
        }
        return stdout.Result;
    }
}
