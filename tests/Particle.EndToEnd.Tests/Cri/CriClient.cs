using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Particle.EndToEnd.Tests.Cri.Api;

namespace Particle.EndToEnd.Tests.Cri;

/// <summary>
/// A kubelet-shaped CRI client: runtime.v1 over containerd's unix socket, every call with a deadline so
/// a wedged containerd fails the test instead of hanging it.
/// </summary>
public sealed class CriClient : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    private readonly GrpcChannel _channel;
    private readonly RuntimeService.RuntimeServiceClient _runtime;
    private readonly ImageService.ImageServiceClient _images;

    public CriClient(string socketPath)
    {
        // gRPC needs an http:// address; the connection itself goes to the socket.
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancel);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler });
        _runtime = new RuntimeService.RuntimeServiceClient(_channel);
        _images = new ImageService.ImageServiceClient(_channel);
    }

    private static DateTime Deadline => DateTime.UtcNow + CallTimeout;

    public VersionResponse Version() => _runtime.Version(new VersionRequest { Version = "v1" }, deadline: Deadline);

    /// <summary>
    /// RunPodSandbox for a pod, as kubelet fills it: metadata, hostname, cgroup parent, the pod's own network
    /// namespace (or the node's: <paramref name="hostNetwork"/>, a pod that needs no CNI call) and the
    /// runtime handler (a RuntimeClass; "" is containerd's default runtime); <paramref name="configure"/> adds
    /// the rest (port mappings, annotations).
    /// </summary>
    public string RunPodSandbox(string name, string uid, string podNamespace, string cgroupParent, string runtimeHandler = "",
        bool hostNetwork = false, Action<PodSandboxConfig>? configure = null)
    {
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Uid = uid, Namespace = podNamespace, Attempt = 0 },
            // A host-network pod keeps the node's hostname (runc cannot set one without its own UTS namespace).
            Hostname = hostNetwork ? "" : name,
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = cgroupParent,
                SecurityContext = new LinuxSandboxSecurityContext
                {
                    NamespaceOptions = new NamespaceOption
                    {
                        Network = hostNetwork ? NamespaceMode.Node : NamespaceMode.Pod,
                        Pid = NamespaceMode.Container,
                        Ipc = NamespaceMode.Pod,
                    },
                },
            },
        };
        configure?.Invoke(config);
        var request = new RunPodSandboxRequest { Config = config, RuntimeHandler = runtimeHandler };
        return _runtime.RunPodSandbox(request, deadline: Deadline).PodSandboxId;
    }

    public void StopPodSandbox(string id) =>
        _runtime.StopPodSandbox(new StopPodSandboxRequest { PodSandboxId = id }, deadline: Deadline);

    public void RemovePodSandbox(string id) =>
        _runtime.RemovePodSandbox(new RemovePodSandboxRequest { PodSandboxId = id }, deadline: Deadline);

    public PodSandboxStatusResponse PodSandboxStatus(string id, bool verbose = false) =>
        _runtime.PodSandboxStatus(new PodSandboxStatusRequest { PodSandboxId = id, Verbose = verbose }, deadline: Deadline);

    public IReadOnlyList<PodSandbox> ListPodSandbox() =>
        _runtime.ListPodSandbox(new ListPodSandboxRequest(), deadline: Deadline).Items;

    /// <summary>Whether the CRI plugin's image store holds <paramref name="reference"/> (the sandbox image must be there: it cannot be pulled).</summary>
    public bool HasImage(string reference) =>
        _images.ImageStatus(new ImageStatusRequest { Image = new ImageSpec { Image = reference } }, deadline: Deadline).Image is not null;

    /// <summary>True when containerd answers on its socket (it is up and its CRI plugin is serving).</summary>
    public bool Answers()
    {
        try
        {
            _runtime.Version(new VersionRequest { Version = "v1" }, deadline: DateTime.UtcNow.AddSeconds(2));
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    public void Dispose() => _channel.Dispose();
}
