using System.Text.Json;
using Particle.Linux;

namespace Particle.Daemon.Pool;

/// <summary>
/// Claimed state, one small file per claimed namespace (&lt;stateDir&gt;/pool-claims/&lt;name&gt;.json), written
/// atomically (temporary file, fsync, rename, fsync of the folder) before CLAIM answers: a namespace that
/// was handed out must never be handed out again after a crash. A file per entry keeps a claim O(1)
/// whatever the pool size; the journal's record has no field for it.
/// </summary>
public sealed class ClaimStore
{
    public const string FolderName = "pool-claims";

    public ClaimStore(string stateDir)
    {
        Folder = System.IO.Path.Combine(stateDir, FolderName);
        PrivateFolder.Ensure(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Folder { get; }

    public void Write(string name, ClaimRecord record)
    {
        string path = PathOf(name);
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(JsonSerializer.SerializeToUtf8Bytes(record, PoolJsonContext.Default.ClaimRecord));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        FileSync.FsyncDirectory(Folder);
    }

    /// <summary>Not synced: a claim file that outlives its namespace is dropped at the next start.</summary>
    public void Delete(string name) => File.Delete(PathOf(name));

    /// <summary>Every readable claim by entry name; unreadable or temporary files are removed.</summary>
    public Dictionary<string, ClaimRecord> ReadAll(List<string> warnings)
    {
        var claims = new Dictionary<string, ClaimRecord>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Folder))
        {
            ClaimRecord? record = null;
            if (file.EndsWith(".json", StringComparison.Ordinal))
            {
                try
                {
                    record = JsonSerializer.Deserialize(File.ReadAllBytes(file), PoolJsonContext.Default.ClaimRecord);
                }
                catch (JsonException e)
                {
                    warnings.Add($"claim record {file} is unreadable ({e.Message}); removed");
                }
            }
            if (record is null)
                File.Delete(file);
            else
                claims[System.IO.Path.GetFileNameWithoutExtension(file)] = record;
        }
        return claims;
    }

    private string PathOf(string name) => System.IO.Path.Combine(Folder, name + ".json");
}
