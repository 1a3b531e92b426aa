using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Particle.Daemon.Cluster.Tls;

/// <summary>Why a server's certificate was refused: a metric label and the sentence for the log.</summary>
internal sealed record TlsRejection(string Reason, string Message)
{
    public const string Untrusted = "server_untrusted";
    public const string Expired = "server_cert_expired";
    public const string NotYetValid = "server_cert_not_yet_valid";
    public const string WrongName = "server_name_mismatch";
}

/// <summary>
/// The check of a server certificate done in the TLS handshake, instead of the platform's, so that a refusal
/// says exactly why (a wrong CA, outside its validity, another name) and the CA bundle can change between
/// connections. With a CA bundle only its certificates are roots (the system's have no say over the cluster's
/// store); without one the platform's verdict on the chain stands. Revocation is not checked: cluster CAs
/// rarely publish CRLs, and an unreachable CRL would stop the cluster.
/// </summary>
internal static class ServerCertificates
{
    /// <summary>Null when the certificate is acceptable for <paramref name="expectedName"/>.</summary>
    /// <param name="authorities">The CA bundle; null: the platform's trust decided in <paramref name="errors"/>.</param>
    public static TlsRejection? Check(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors,
        X509Certificate2Collection? authorities, string? caFile, string expectedName, DateTime now)
    {
        if (certificate is null)
        {
            return new TlsRejection(TlsRejection.Untrusted, "the server sent no certificate");
        }
        var leaf = certificate as X509Certificate2 ?? new X509Certificate2(certificate);
        X509ChainStatusFlags problems;
        if (authorities is null)
        {
            problems = (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0 ? X509ChainStatusFlags.NoError
                : presented?.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) ?? X509ChainStatusFlags.PartialChain;
        }
        else
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.VerificationTime = now;
            // Intermediates the server sent along.
            if (presented is not null)
            {
                foreach (X509ChainElement element in presented.ChainElements)
                {
                    if (!ReferenceEquals(element.Certificate, leaf))
                    {
                        chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                    }
                }
            }
            problems = chain.Build(leaf) ? X509ChainStatusFlags.NoError
                : chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        }
        string trust = caFile is null ? "the system's trust store" : $"the CA file {caFile}";
        if ((problems & ~(X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested)) != 0)
        {
            return new TlsRejection(TlsRejection.Untrusted,
                $"its certificate ({leaf.Subject}, issued by {leaf.Issuer}) is not trusted by {trust} ({problems})");
        }
        if (leaf.NotAfter.ToUniversalTime() < now)
        {
            return new TlsRejection(TlsRejection.Expired, $"its certificate ({leaf.Subject}) expired at {leaf.NotAfter.ToUniversalTime():u}");
        }
        if (leaf.NotBefore.ToUniversalTime() > now)
        {
            return new TlsRejection(TlsRejection.NotYetValid, $"its certificate ({leaf.Subject}) is not valid before {leaf.NotBefore.ToUniversalTime():u}");
        }
        if (problems != X509ChainStatusFlags.NoError)
        {
            return new TlsRejection(TlsRejection.Expired, $"a CA certificate of its chain is outside its validity ({problems})");
        }
        // Subject alternative names only, as Go and browsers do: the common name is not a host name.
        if (!leaf.MatchesHostname(expectedName, allowWildcards: true, allowCommonName: false))
        {
            return new TlsRejection(TlsRejection.WrongName, $"its certificate is not for {expectedName} (it names {Names(leaf)})");
        }
        return null;
    }

    private static string Names(X509Certificate2 certificate)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(a => a.ToString()))).ToList();
        return names.Count == 0 ? "no subject alternative name" : string.Join(", ", names);
    }
}
