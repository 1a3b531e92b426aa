using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Particle.Daemon.Configuration;

public enum ClusterBackend
{
    Static,
    Etcd,
    Kubernetes,
}

/// <summary>A validated <see cref="ClusterConfig"/>.</summary>
public sealed partial record ClusterSettings(
    string NodeName,
    IPAddress? UnderlayAddress,
    string? UnderlayInterface,
    ClusterBackend Backend,
    StaticClusterSettings? Static,
    EtcdClusterSettings? Etcd,
    KubernetesClusterSettings? Kubernetes)
{
    /// <summary>Under the kubernetes backend, what the DaemonSet passes when the config leaves nodeName out.</summary>
    public const string NodeNameVariable = "NODE_NAME";
    /// <summary>Under the kubernetes backend, what the DaemonSet passes (status.hostIP) when no underlay is configured.</summary>
    public const string HostIpVariable = "HOST_IP";

    public static ClusterSettings From(ClusterConfig config, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        // One ConfigMap serves every node of a Kubernetes cluster: who the node is comes from its pod.
        bool fromPod = config.Backend == "kubernetes";
        string nodeName = config.NodeName.Length == 0 && fromPod ? environment(NodeNameVariable) ?? "" : config.NodeName;
        string? underlayAddress = config.UnderlayAddress is null && config.UnderlayInterface is null && fromPod
            ? environment(HostIpVariable) : config.UnderlayAddress;
        if (!NodeNamePattern().IsMatch(nodeName))
            throw new ConfigException(config.NodeName.Length == 0 && fromPod
                ? $"cluster: nodeName is not configured and {NodeNameVariable} is \"{nodeName}\" (set it from spec.nodeName)"
                : $"cluster: nodeName \"{nodeName}\" must be 1-63 characters of a-z, 0-9, '-' and '.', starting and ending with a letter or digit");
        if ((underlayAddress is null) == (config.UnderlayInterface is null))
            throw new ConfigException(fromPod
                ? $"cluster: give exactly one of underlayAddress and underlayInterface (or set {HostIpVariable} from status.hostIP)"
                : "cluster: give exactly one of underlayAddress and underlayInterface");
        IPAddress? underlay = null;
        if (underlayAddress is not null &&
            (!IPAddress.TryParse(underlayAddress, out underlay) || underlay.AddressFamily != AddressFamily.InterNetwork
             || underlayAddress.Count(c => c == '.') != 3))
            throw new ConfigException($"cluster: underlayAddress \"{underlayAddress}\" is not an IPv4 address");
        if (underlay is not null && (IPAddress.IsLoopback(underlay) || underlay.Equals(IPAddress.Any) || underlay.Equals(IPAddress.Broadcast)))
            throw new ConfigException($"cluster: underlayAddress {underlay} cannot carry VXLAN to other nodes");
        if (config.UnderlayInterface is not null && !NetworkDefinition.IsValidInterfaceName(config.UnderlayInterface))
            throw new ConfigException($"cluster: underlayInterface \"{config.UnderlayInterface}\" is not a valid interface name");

        var backend = config.Backend switch
        {
            "static" => ClusterBackend.Static,
            "etcd" => ClusterBackend.Etcd,
            "kubernetes" => ClusterBackend.Kubernetes,
            _ => throw new ConfigException($"cluster: backend \"{config.Backend}\" is not one of static, etcd, kubernetes"),
        };
        var settings = new ClusterSettings(nodeName, underlay, config.UnderlayInterface, backend, null, null, null);
        return backend switch
        {
            ClusterBackend.Static => settings with { Static = StaticClusterSettings.From(config.Static ?? new StaticClusterConfig()) },
            ClusterBackend.Etcd => settings with { Etcd = EtcdClusterSettings.From(config.Etcd) },
            _ => settings with { Kubernetes = KubernetesClusterSettings.From(config.Kubernetes ?? new KubernetesClusterConfig(), nodeName) },
        };
    }

    // A DNS label or subdomain: what Kubernetes node names and etcd keys both take without escaping.
    [GeneratedRegex(@"^(?=.{1,63}$)[a-z0-9]([a-z0-9.\-]*[a-z0-9])?$")]
    private static partial Regex NodeNamePattern();
}

public sealed record StaticClusterSettings(string File)
{
    public static StaticClusterSettings From(StaticClusterConfig config)
    {
        if (string.IsNullOrEmpty(config.File) || !Path.IsPathFullyQualified(config.File))
            throw new ConfigException($"cluster: static.file must be an absolute path, got \"{config.File}\"");
        return new StaticClusterSettings(config.File);
    }
}

public sealed record EtcdClusterSettings(IReadOnlyList<Uri> Endpoints, string Prefix, TimeSpan LeaseTtl)
{
    /// <summary>CA bundle for etcd's server certificate; null: the system's roots.</summary>
    public string? CaFile { get; init; }
    public string? CertFile { get; init; }
    public string? KeyFile { get; init; }
    public string? ServerName { get; init; }
    public string? Username { get; init; }
    public string? PasswordFile { get; init; }

    public static EtcdClusterSettings From(EtcdClusterConfig? config)
    {
        if (config is null || config.Endpoints.Count == 0)
            throw new ConfigException("cluster: backend etcd needs etcd.endpoints, e.g. [\"http://198.18.0.100:2379\"]");
        var endpoints = new List<Uri>();
        foreach (var text in config.Endpoints)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/")
                throw new ConfigException($"cluster: etcd endpoint \"{text}\" is not an http(s)://host:port URL");
            endpoints.Add(uri);
        }
        if (!config.Prefix.StartsWith('/') || config.Prefix.Length < 2 || config.Prefix.EndsWith('/'))
            throw new ConfigException($"cluster: etcd.prefix \"{config.Prefix}\" must start with '/' and not end with one, e.g. /particle");
        if (config.LeaseTtlSeconds is < 2 or > 3600)
            throw new ConfigException($"cluster: etcd.leaseTtlSeconds {config.LeaseTtlSeconds} is outside 2..3600");
        foreach (var (field, path) in new[] { ("caFile", config.CaFile), ("certFile", config.CertFile), ("keyFile", config.KeyFile), ("passwordFile", config.PasswordFile) })
        {
            if (path is not null && !Path.IsPathFullyQualified(path))
                throw new ConfigException($"cluster: etcd.{field} must be an absolute path, got \"{path}\"");
        }
        if ((config.CertFile is null) != (config.KeyFile is null))
            throw new ConfigException("cluster: etcd.certFile and etcd.keyFile go together (mutual TLS needs both)");
        if ((config.Username is null) != (config.PasswordFile is null))
            throw new ConfigException("cluster: etcd.username and etcd.passwordFile go together");
        if (config.Username is { } user && (user.Length == 0 || user.Any(char.IsControl)))
            throw new ConfigException("cluster: etcd.username is empty or holds control characters");
        bool tls = config.CaFile is not null || config.CertFile is not null || config.ServerName is not null;
        // TLS settings with a plain endpoint would be silently unused, and a password over plain HTTP would
        // cross the underlay readable by anyone on it.
        if ((tls || config.Username is not null) && endpoints.FirstOrDefault(e => e.Scheme != "https") is { } plain)
            throw new ConfigException(tls
                ? $"cluster: etcd endpoint {plain} is http:// but TLS is configured (caFile/certFile/serverName): write https://"
                : $"cluster: etcd endpoint {plain} is http://: a password is only sent over https://");
        if (config.ServerName is { } name && Uri.CheckHostName(name) == UriHostNameType.Unknown)
            throw new ConfigException($"cluster: etcd.serverName \"{name}\" is not a host name or address");
        return new EtcdClusterSettings(endpoints, config.Prefix, TimeSpan.FromSeconds(config.LeaseTtlSeconds))
        {
            CaFile = config.CaFile,
            CertFile = config.CertFile,
            KeyFile = config.KeyFile,
            ServerName = config.ServerName,
            Username = config.Username,
            PasswordFile = config.PasswordFile,
        };
    }
}

public sealed record KubernetesClusterSettings(string NodeName, Uri? ApiServer, string TokenFile, string CaFile)
{
    public static KubernetesClusterSettings From(KubernetesClusterConfig config, string clusterNodeName)
    {
        Uri? apiServer = null;
        if (config.ApiServer is not null &&
            (!Uri.TryCreate(config.ApiServer, UriKind.Absolute, out apiServer) || apiServer.Scheme is not ("http" or "https")))
            throw new ConfigException($"cluster: kubernetes.apiServer \"{config.ApiServer}\" is not an http(s) URL");
        foreach (var (field, path) in new[] { ("tokenFile", config.TokenFile), ("caFile", config.CaFile) })
        {
            if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
                throw new ConfigException($"cluster: kubernetes.{field} must be an absolute path, got \"{path}\"");
        }
        return new KubernetesClusterSettings(config.NodeName ?? clusterNodeName, apiServer, config.TokenFile, config.CaFile);
    }
}
