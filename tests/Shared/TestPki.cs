using System.Diagnostics;

namespace Particle.Tests;

/// <summary>A certificate and its private key as PEM files (the key 0600, as particled demands).</summary>
public sealed record PemPair(string Cert, string Key)
{
    /// <summary>The base64 lines of the key: what must never show in a log.</summary>
    public IEnumerable<string> KeyMaterial() =>
        File.ReadAllLines(Key).Where(l => !l.StartsWith("-----", StringComparison.Ordinal) && l.Length >= 16);
}

/// <summary>
/// Test certificates made with openssl (3.0: `openssl ca` for arbitrary -startdate/-enddate, so expired and
/// not-yet-valid certificates need no fake clock) in a temporary folder that Dispose removes. EC P-256 keys:
/// generating them takes milliseconds, RSA would take seconds on a loaded machine.
/// </summary>
public sealed class TestPki : IDisposable
{
    private const string CaConfig = """
        [ca]
        default_ca = test
        [test]
        dir = .
        database = index.txt
        new_certs_dir = .
        serial = serial
        default_md = sha256
        policy = any
        unique_subject = no
        [any]
        commonName = optional
        organizationName = optional
        """;

    private int _serial;

    public TestPki()
    {
        Folder = Directory.CreateTempSubdirectory("particle-pki-").FullName;
    }

    public string Folder { get; }

    /// <summary>A self-signed CA valid for two days around now.</summary>
    public PemPair Authority(string name)
    {
        var ca = new PemPair(Path.Combine(Folder, $"{name}.pem"), Path.Combine(Folder, $"{name}.key"));
        OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca.Key, "-out", ca.Cert,
            "-subj", $"/CN={name}", "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        File.SetUnixFileMode(ca.Key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string database = Path.Combine(Folder, $"{name}.db");
        Directory.CreateDirectory(database);
        File.WriteAllText(Path.Combine(database, "index.txt"), "");
        File.WriteAllText(Path.Combine(database, "serial"), "1000\n");
        File.WriteAllText(Path.Combine(database, "ca.cnf"), CaConfig);
        return ca;
    }

    /// <summary>
    /// A certificate signed by <paramref name="ca"/> for the subject alternative names given (e.g.
    /// "IP:127.0.0.1,DNS:etcd.test"), valid from..until (default: an hour ago .. a day ahead). A client
    /// certificate for etcd's JSON gateway must have no common name: etcd 3.4 refuses gateway requests whose
    /// client certificate carries one once authentication is on, so the subject is O=particle only.
    /// </summary>
    public PemPair Issue(PemPair ca, string name, string altNames, DateTime? from = null, DateTime? until = null, string usage = "serverAuth,clientAuth")
    {
        string id = $"{name}-{Interlocked.Increment(ref _serial)}";
        var pair = new PemPair(Path.Combine(Folder, $"{id}.pem"), Path.Combine(Folder, $"{id}.key"));
        string request = Path.Combine(Folder, $"{id}.csr");
        string extensions = Path.Combine(Folder, $"{id}.ext");
        OpenSsl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", pair.Key, "-out", request, "-subj", "/O=particle");
        File.SetUnixFileMode(pair.Key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(extensions, $"subjectAltName={altNames}\nextendedKeyUsage={usage}\nbasicConstraints=CA:FALSE\n");
        string database = Path.Combine(Folder, $"{Path.GetFileNameWithoutExtension(ca.Cert)}.db");
        OpenSslIn(database, "ca", "-config", "ca.cnf", "-batch", "-notext", "-in", request, "-out", pair.Cert, "-cert", ca.Cert, "-keyfile", ca.Key,
            "-startdate", Date(from ?? DateTime.UtcNow.AddHours(-1)), "-enddate", Date(until ?? DateTime.UtcNow.AddDays(1)), "-extfile", extensions);
        return pair;
    }

    /// <summary>Writes several PEM files into one bundle file.</summary>
    public string Bundle(string name, params string[] pems)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllText(path, string.Concat(pems.Select(File.ReadAllText)));
        return path;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private static string Date(DateTime time) => time.ToUniversalTime().ToString("yyyyMMddHHmmss") + "Z";

    private void OpenSsl(params string[] args) => OpenSslIn(Folder, args);

    private static void OpenSslIn(string folder, params string[] args)
    {
        var info = new ProcessStartInfo("openssl") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        using Process process = Process.Start(info)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            throw new TimeoutException($"openssl {args[0]} did not finish in 30 s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed: {stderr.Result}");
    }
}
