namespace Particle.Daemon.Tests.Cluster.Etcd;

/// <summary>
/// The certificates of the etcd TLS tests, made once per test class with openssl: the cluster CA and another
/// CA, etcd's server certificate (IP 127.0.0.1 and DNS etcd.test) and an expired one, and client certificates
/// that are valid, expired, not yet valid, or from the other CA.
/// </summary>
public sealed class EtcdPki : IDisposable
{
    public EtcdPki()
    {
        Pki = new TestPki();
        Ca = Pki.Authority("cluster-ca");
        OtherCa = Pki.Authority("other-ca");
        DateTime now = DateTime.UtcNow;
        Server = Pki.Issue(Ca, "etcd", "IP:127.0.0.1,DNS:etcd.test");
        ExpiredServer = Pki.Issue(Ca, "etcd-expired", "IP:127.0.0.1", now.AddDays(-3), now.AddDays(-1));
        OtherServer = Pki.Issue(OtherCa, "etcd-other", "IP:127.0.0.1");
        Client = Pki.Issue(Ca, "node", "DNS:node-a", usage: "clientAuth");
        Admin = Pki.Issue(Ca, "admin", "DNS:admin", usage: "clientAuth");
        ExpiredClient = Pki.Issue(Ca, "node-expired", "DNS:node-a", now.AddDays(-3), now.AddDays(-1), "clientAuth");
        FutureClient = Pki.Issue(Ca, "node-future", "DNS:node-a", now.AddDays(1), now.AddDays(3), "clientAuth");
        OtherClient = Pki.Issue(OtherCa, "node-other", "DNS:node-a", usage: "clientAuth");
        OtherAdmin = Pki.Issue(OtherCa, "admin-other", "DNS:admin", usage: "clientAuth");
    }

    public TestPki Pki { get; }
    public PemPair Ca { get; }
    public PemPair OtherCa { get; }
    public PemPair Server { get; }
    public PemPair ExpiredServer { get; }
    public PemPair OtherServer { get; }
    public PemPair Client { get; }
    public PemPair Admin { get; }
    public PemPair ExpiredClient { get; }
    public PemPair FutureClient { get; }
    public PemPair OtherClient { get; }
    public PemPair OtherAdmin { get; }

    /// <summary>etcd with the cluster CA's server certificate, accepting clients of the cluster CA.</summary>
    internal EtcdServerTls Serving => new(Server, Ca.Cert, Admin, Ca.Cert);

    /// <summary>Every private key line of every certificate: none may show in a log.</summary>
    public IEnumerable<string> KeyMaterial() =>
        new[] { Server, Client, Admin, ExpiredClient, FutureClient, OtherClient, OtherAdmin }.SelectMany(p => p.KeyMaterial());

    public void Dispose() => Pki.Dispose();
}
