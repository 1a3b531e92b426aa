using System.Text.Json;
using Particle.Daemon.Ipam;
using Particle.Linux;
using Particle.Protocol;

namespace Particle.Daemon.Attachments;

/// <summary>
/// A DEL the plugin could not hand to the daemon (it was down or restarting): the plugin removed what it
/// could and left this note so the address is released once the daemon is back.
/// </summary>
public sealed record PendingDelete(string Path, AttachmentId Id, DateTimeOffset WrittenAt)
{
    /// <summary>Reads every note; unreadable ones are returned as errors so they can be logged and removed.</summary>
    public static List<PendingDelete> ReadAll(string stateDir, List<string> errors)
    {
        var notes = new List<PendingDelete>();
        var folder = PendingDeleteNote.Folder(stateDir);
        switch (FileKind.Of(folder))
        {
            case FileKinds.Missing:
                return notes;
            case FileKinds.Directory:
                break;
            case var other:
                // Never followed: a link here would make the daemon act on notes someone else wrote.
                errors.Add($"{folder}: is a {other.ToString().ToLowerInvariant()}, not a folder; ignored and removed");
                TryDelete(folder);
                return notes;
        }
        foreach (var path in Directory.EnumerateFiles(folder, "*.json"))
        {
            try
            {
                notes.Add(Read(path));
            }
            catch (Exception e) when (e is IOException or JsonException or FormatException or InvalidOperationException)
            {
                errors.Add($"{path}: {e.Message}");
                TryDelete(path);
            }
        }
        return notes;
    }

    public void Remove() => TryDelete(Path);

    private static PendingDelete Read(string path)
    {
        // The folder is root's, but a note must still never lead the daemon elsewhere (issue: symlinks).
        if (FileKind.Of(path) != FileKinds.Regular)
            throw new InvalidOperationException("is not a regular file; ignored");
        var info = new FileInfo(path);
        if (info.Length > 64 * 1024)
            throw new InvalidOperationException("is too large to be a note");
        var note = PendingDeleteNote.FromJson(File.ReadAllBytes(path)) ?? throw new FormatException("note is null");
        if (note.Network.Length == 0 || note.ContainerId.Length == 0 || note.IfName.Length == 0)
            throw new FormatException("note lacks network, containerId or ifName");
        return new PendingDelete(path, new AttachmentId(note.Network, note.ContainerId, note.IfName),
            DateTimeOffset.FromUnixTimeMilliseconds(note.WrittenAtUnixMs));
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
