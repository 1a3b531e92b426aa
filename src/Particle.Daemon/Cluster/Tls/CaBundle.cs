using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Particle.Daemon.Cluster.Tls;

/// <summary>The certificates of a PEM CA bundle: the only roots a server certificate may chain to.</summary>
internal static class CaBundle
{
    /// <summary>Reads the bundle; throws <see cref="ClusterStoreException"/> naming the file when it holds no usable certificate.</summary>
    public static X509Certificate2Collection Load(string path, string what)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ClusterStoreException($"cannot read the {what} {path}: {e.Message}", e);
        }
        if (authorities.Count == 0)
        {
            throw new ClusterStoreException($"the {what} {path} holds no certificate");
        }
        return authorities;
    }

    public static string Describe(X509Certificate2Collection authorities) =>
        $"{authorities.Count} CA certificate(s): {string.Join("; ", authorities.Select(c => c.Subject))}";
}
