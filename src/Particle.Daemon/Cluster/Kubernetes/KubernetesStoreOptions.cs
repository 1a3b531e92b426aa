namespace Particle.Daemon.Cluster.Kubernetes;

/// <summary>
/// How particled reaches the Kubernetes API from inside its pod: the API server URL, this node's name (the
/// DaemonSet passes spec.nodeName as NODE_NAME), and the service account's token and CA bundle.
/// </summary>
public sealed record KubernetesStoreOptions(Uri ApiServer, string NodeName, string TokenFile, string CaFile)
{
    public const string ServiceAccountFolder = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>How long one request may take (a watch is exempt: it streams until the server ends it).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest pause between reconnection attempts of the watch.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The in-cluster defaults for every value not given: KUBERNETES_SERVICE_HOST/PORT, NODE_NAME, and the
    /// service account files; throws naming what is missing.
    /// </summary>
    public static KubernetesStoreOptions FromEnvironment(string? nodeName = null, string? apiServer = null,
        string? tokenFile = null, string? caFile = null)
    {
        Uri server;
        if (apiServer is not null)
        {
            if (!Uri.TryCreate(apiServer, UriKind.Absolute, out server!) || server.Scheme != "https")
            {
                throw new ClusterStoreException($"kubernetes: apiServer '{apiServer}' is not an https:// URL");
            }
        }
        else
        {
            string? host = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST");
            string? port = Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_PORT");
            if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
            {
                throw new ClusterStoreException(
                    "kubernetes: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are not set (not running in a pod?); set cluster.kubernetes.apiServer");
            }
            // An IPv6 service address needs brackets in a URL.
            server = new Uri($"https://{(host.Contains(':') ? $"[{host}]" : host)}:{port}");
        }
        string node = nodeName ?? Environment.GetEnvironmentVariable("NODE_NAME")
            ?? throw new ClusterStoreException("kubernetes: the node name is not configured and NODE_NAME is not set");
        if (node.Length == 0)
        {
            throw new ClusterStoreException("kubernetes: the node name is empty");
        }
        return new KubernetesStoreOptions(server, node,
            tokenFile ?? Path.Combine(ServiceAccountFolder, "token"),
            caFile ?? Path.Combine(ServiceAccountFolder, "ca.crt"));
    }
}
