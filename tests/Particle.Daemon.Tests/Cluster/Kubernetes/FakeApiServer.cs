using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Particle.Daemon.Tests.Cluster.Kubernetes;

/// <summary>
/// A small stand-in for kube-apiserver's core/v1 Node endpoints, over HTTPS on 127.0.0.1 (an ephemeral port):
/// GET node, LIST nodes, PATCH (JSON merge patch) and WATCH as a chunked stream of JSON lines with
/// ADDED/MODIFIED/DELETED/BOOKMARK/ERROR events, each object in the shape the real API returns. Every request
/// must carry the bearer token; every request is recorded for the test to inspect.
/// </summary>
internal sealed class FakeApiServer : IAsyncDisposable
{
    private TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly TestCertificates _certificates = new("pcs-kubernetes-ca");
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, JsonObject> _nodes = new(StringComparer.Ordinal);
    private readonly List<(long Version, string Line)> _history = [];
    private readonly List<Channel<string>> _watchers = [];
    private readonly List<RecordedRequest> _requests = [];
    private Task _acceptLoop;
    private long _version = 1000;
    private long _compactedAt;
    private int _goneAnswers;
    private bool _gone;   // under _lock: between GoAwayAsync and ComeBack

    public FakeApiServer(string folder, string token = "pcs-token-0123456789")
    {
        Token = token;
        TokenFile = Path.Combine(folder, "token");
        CaFile = Path.Combine(folder, "ca.crt");
        File.WriteAllText(TokenFile, token + "\n");
        File.WriteAllText(CaFile, _certificates.AuthorityPem);
        _listener.Start();
        ApiServer = new Uri($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public Uri ApiServer { get; }

    public string Token { get; }

    public string TokenFile { get; }

    public string CaFile { get; }

    /// <summary>How many watches were answered "410 Gone".</summary>
    public int GoneAnswers => Volatile.Read(ref _goneAnswers);

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return _requests.ToList();
            }
        }
    }

    public JsonObject Node(string name)
    {
        lock (_lock)
        {
            return (JsonObject)_nodes[name].DeepClone();
        }
    }

    /// <summary>A Node as the API returns it; podCidr null = not yet allocated by the controller manager.</summary>
    public void AddNode(string name, string? podCidr, Dictionary<string, string>? annotations = null, string internalIp = "192.0.2.10")
    {
        var allAnnotations = new JsonObject
        {
            ["node.alpha.kubernetes.io/ttl"] = "0",
            ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true",
        };
        foreach ((string key, string value) in annotations ?? [])
        {
            allAnnotations[key] = value;
        }
        var spec = new JsonObject();
        if (podCidr is not null)
        {
            spec["podCIDR"] = podCidr;
            spec["podCIDRs"] = new JsonArray(podCidr);
        }
        var node = new JsonObject
        {
            ["kind"] = "Node",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["uid"] = Guid.NewGuid().ToString(),
                ["resourceVersion"] = "0",
                ["creationTimestamp"] = "2026-11-29T08:00:00Z",
                ["labels"] = new JsonObject
                {
                    ["beta.kubernetes.io/arch"] = "amd64",
                    ["beta.kubernetes.io/os"] = "linux",
                    ["kubernetes.io/arch"] = "amd64",
                    ["kubernetes.io/hostname"] = name,
                    ["kubernetes.io/os"] = "linux",
                },
                ["annotations"] = allAnnotations,
            },
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["capacity"] = new JsonObject { ["cpu"] = "2", ["memory"] = "8145440Ki", ["pods"] = "110" },
                ["allocatable"] = new JsonObject { ["cpu"] = "2", ["memory"] = "8043040Ki", ["pods"] = "110" },
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready",
                    ["status"] = "True",
                    ["lastHeartbeatTime"] = "2026-11-29T09:00:00Z",
                    ["lastTransitionTime"] = "2026-11-29T08:00:10Z",
                    ["reason"] = "KubeletReady",
                    ["message"] = "kubelet is posting ready status",
                }),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = internalIp },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["kubeletVersion"] = "v1.29.2",
                    ["containerRuntimeVersion"] = "containerd://1.7.13",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = "amd64",
                },
            },
        };
        lock (_lock)
        {
            _nodes[name] = node;
            Publish("ADDED", node);
        }
    }

    public void ModifyNode(string name, Action<JsonObject> change)
    {
        lock (_lock)
        {
            change(_nodes[name]);
            Publish("MODIFIED", _nodes[name]);
        }
    }

    public void DeleteNode(string name)
    {
        lock (_lock)
        {
            JsonObject node = _nodes[name];
            _nodes.Remove(name);
            Publish("DELETED", node);
        }
    }

    /// <summary>A BOOKMARK to every open watch: only a resourceVersion, as the API server sends about once a minute.</summary>
    public void Bookmark()
    {
        lock (_lock)
        {
            var bookmark = new JsonObject
            {
                ["kind"] = "Node",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["resourceVersion"] = _version.ToString(), ["creationTimestamp"] = null },
                ["spec"] = new JsonObject(),
                ["status"] = new JsonObject { ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 0 } } },
            };
            Send(Line("BOOKMARK", bookmark));
        }
    }

    /// <summary>
    /// Forgets the event history (as etcd compaction does) and ends every open watch: a client resuming from
    /// its last resourceVersion is then told 410 Gone and must list again.
    /// </summary>
    public void ExpireHistory()
    {
        lock (_lock)
        {
            _version += 5;   // writes to other objects advance the cluster-wide resourceVersion meanwhile
            _compactedAt = _version;
            _history.Clear();
            foreach (Channel<string> watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
            _watchers.Clear();
        }
    }

    /// <summary>The API server goes away: open watches end, new connections are refused.</summary>
    public async Task GoAwayAsync()
    {
        _listener.Stop();
        lock (_lock)
        {
            _gone = true;   // a request accepted just before is dropped unanswered
            foreach (Channel<string> watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
            _watchers.Clear();
        }
        await _acceptLoop;
    }

    /// <summary>Serves again on the same port.</summary>
    public void ComeBack()
    {
        lock (_lock)
        {
            _gone = false;
        }
        _listener = new TcpListener(IPAddress.Loopback, ApiServer.Port);   // Start() after Stop() would bind a new port
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_lock)
        {
            foreach (Channel<string> watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }
        }
        await _acceptLoop;
        _certificates.Dispose();
        _stop.Dispose();
    }

    private void Publish(string type, JsonObject node)
    {
        _version++;
        node["metadata"]!["resourceVersion"] = _version.ToString();
        string line = Line(type, node);
        _history.Add((_version, line));
        Send(line);
    }

    private void Send(string line)
    {
        foreach (Channel<string> watcher in _watchers)
        {
            watcher.Writer.TryWrite(line);
        }
    }

    private static string Line(string type, JsonNode obj) =>
        new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => ServeAsync(client));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // the listener was stopped
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificates.Server }, _stop.Token);
                using var reader = new StreamReader(tls, Encoding.UTF8, false, 4096, leaveOpen: true);
                string? requestLine = await reader.ReadLineAsync(_stop.Token);
                if (requestLine is null)
                {
                    return;
                }
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                while (await reader.ReadLineAsync(_stop.Token) is { Length: > 0 } header)
                {
                    int colon = header.IndexOf(':');
                    headers[header[..colon].Trim()] = header[(colon + 1)..].Trim();
                }
                string body = "";
                if (headers.TryGetValue("Content-Length", out string? length) && int.Parse(length) > 0)
                {
                    char[] buffer = new char[int.Parse(length)];
                    await reader.ReadBlockAsync(buffer, _stop.Token);
                    body = new string(buffer);
                }
                string[] parts = requestLine.Split(' ');
                var request = new RecordedRequest(parts[0], parts[1], headers, body);
                lock (_lock)
                {
                    if (_gone)
                    {
                        return;
                    }
                    _requests.Add(request);
                }
                await HandleAsync(request, tls);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
            {
                // the client went away, or refused our certificate (the wrong-CA test)
            }
        }
    }

    private async Task HandleAsync(RecordedRequest request, Stream stream)
    {
        if (request.Header("Authorization") != $"Bearer {Token}")
        {
            await RespondAsync(stream, 401, Status(401, "Unauthorized", "Unauthorized"));
            return;
        }
        Uri target = new(ApiServer, request.Target);
        string path = target.AbsolutePath;
        Dictionary<string, string> query = target.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "");
        const string nodesPath = "/api/v1/nodes";
        if (path == nodesPath && request.Method == "GET" && query.GetValueOrDefault("watch") is "1" or "true")
        {
            await WatchAsync(stream, long.Parse(query.GetValueOrDefault("resourceVersion", "0")));
            return;
        }
        string json;
        int code = 200;
        lock (_lock)
        {
            if (path == nodesPath && request.Method == "GET")
            {
                var list = new JsonObject
                {
                    ["kind"] = "NodeList",
                    ["apiVersion"] = "v1",
                    ["metadata"] = new JsonObject { ["resourceVersion"] = _version.ToString() },
                    ["items"] = new JsonArray(_nodes.Values.Select(n => (JsonNode)n.DeepClone()).ToArray()),
                };
                json = list.ToJsonString();
            }
            else if (path.StartsWith(nodesPath + "/", StringComparison.Ordinal) && _nodes.TryGetValue(path[(nodesPath.Length + 1)..], out JsonObject? node))
            {
                if (request.Method == "GET")
                {
                    json = node.ToJsonString();
                }
                else if (request.Method == "PATCH" && request.Header("Content-Type") == "application/merge-patch+json")
                {
                    MergePatch(node, JsonNode.Parse(request.Body)!);
                    Publish("MODIFIED", node);
                    json = node.ToJsonString();
                }
                else
                {
                    (code, json) = (415, Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"));
                }
            }
            else
            {
                (code, json) = (404, Status(404, "NotFound", $"nodes \"{path[(path.LastIndexOf('/') + 1)..]}\" not found"));
            }
        }
        await RespondAsync(stream, code, json);
    }

    private async Task WatchAsync(Stream stream, long from)
    {
        var channel = Channel.CreateUnbounded<string>();
        lock (_lock)
        {
            if (_gone)
            {
                channel.Writer.TryComplete();
            }
            else if (from < _compactedAt)
            {
                _goneAnswers++;
                // What the API server does: 200, then one ERROR event carrying a 410 Status, then the end.
                channel.Writer.TryWrite(Line("ERROR", JsonNode.Parse(Status(410, "Expired",
                    $"too old resource version: {from} ({_compactedAt})"))!));
                channel.Writer.TryComplete();
            }
            else
            {
                foreach ((long version, string line) in _history.Where(h => h.Version > from))
                {
                    channel.Writer.TryWrite(line);
                }
                _watchers.Add(channel);
            }
        }
        await WriteAsync(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        await foreach (string line in channel.Reader.ReadAllAsync(_stop.Token))
        {
            byte[] data = Encoding.UTF8.GetBytes(line);
            await WriteAsync(stream, $"{data.Length:x}\r\n");
            await stream.WriteAsync(data, _stop.Token);
            await WriteAsync(stream, "\r\n");
        }
        await WriteAsync(stream, "0\r\n\r\n");
    }

    private async Task RespondAsync(Stream stream, int code, string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        await WriteAsync(stream, $"HTTP/1.1 {code} {(code == 200 ? "OK" : "Error")}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(body, _stop.Token);
        await stream.FlushAsync(_stop.Token);
    }

    private async Task WriteAsync(Stream stream, string text)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), _stop.Token);
        await stream.FlushAsync(_stop.Token);
    }

    private static string Status(int code, string reason, string message) => new JsonObject
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    }.ToJsonString();

    /// <summary>RFC 7386: objects merge member by member, null deletes, anything else replaces.</summary>
    private static void MergePatch(JsonObject target, JsonNode patch)
    {
        foreach ((string key, JsonNode? value) in ((JsonObject)patch).ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject inner && target[key] is JsonObject existing)
            {
                MergePatch(existing, inner);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}

internal sealed record RecordedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}
