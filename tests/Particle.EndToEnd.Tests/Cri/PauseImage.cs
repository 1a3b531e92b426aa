using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Particle.EndToEnd.Tests.Cri;

/// <summary>
/// The sandbox ("pause") image, made offline: registry.k8s.io cannot be reached from these machines. One
/// layer with a static busybox whose only job is to sleep, written as a `docker save` archive (manifest.json,
/// the config by digest, the layer tar) that `ctr images import` reads.
/// </summary>
public static class PauseImage
{
    /// <summary>A reference with a registry part, so that containerd never rewrites it to docker.io.</summary>
    public const string Reference = "localhost/particle-test/pause:1";

    public static string WriteArchive(string path)
    {
        byte[] layer = Layer();
        string diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(layer));
        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            // A pause process only holds the namespaces; SIGKILL from StopPodSandbox ends it.
            ["config"] = new JsonObject { ["Entrypoint"] = new JsonArray("/bin/busybox", "sleep", "2147483647") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) },
        };
        byte[] configBytes = System.Text.Encoding.UTF8.GetBytes(config.ToJsonString());
        string configName = Convert.ToHexStringLower(SHA256.HashData(configBytes)) + ".json";
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = configName,
            ["RepoTags"] = new JsonArray(Reference),
            ["Layers"] = new JsonArray("layer.tar"),
        });

        using var file = File.Create(path);
        using var archive = new TarWriter(file, TarEntryFormat.Pax);
        Add(archive, "manifest.json", System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString()));
        Add(archive, configName, configBytes);
        Add(archive, "layer.tar", layer);
        return path;
    }

    private static byte[] Layer()
    {
        using var layer = new MemoryStream();
        using (var tar = new TarWriter(layer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var dir in new[] { "bin/", "dev/", "proc/", "sys/", "etc/" })
                tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, dir) { Mode = (UnixFileMode)0b111_101_101 });
            tar.WriteEntry("/bin/busybox", "bin/busybox");
        }
        return layer.ToArray();
    }

    private static void Add(TarWriter archive, string name, byte[] content)
    {
        archive.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = (UnixFileMode)0b110_100_100,
            DataStream = new MemoryStream(content),
        });
    }
}
