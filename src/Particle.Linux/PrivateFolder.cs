namespace Particle.Linux;

/// <summary>
/// A folder the daemon keeps state or mount points in. Created with the given mode when missing; refused
/// when the name is a symbolic link (it would carry files or mounts elsewhere) or not a folder, and when
/// others may write into it (they could plant links or files in it). The name is looked at without
/// following it.
/// </summary>
public static class PrivateFolder
{
    /// <exception cref="IOException">Refused or not creatable; the message names the folder and why.</exception>
    public static void Ensure(string path, UnixFileMode mode)
    {
        var kind = FileKind.Of(path);
        if (kind == FileKinds.Missing)
        {
            Directory.CreateDirectory(path, mode);
            kind = FileKind.Of(path);
        }
        if (kind != FileKinds.Directory)
            throw new IOException($"{path} is a {kind.ToString().ToLowerInvariant()}, not a folder; refusing to use it");
        var actual = File.GetUnixFileMode(path);
        if ((actual & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            throw new IOException($"{path} may be written by other users (mode {Convert.ToString((int)actual, 8)}); refusing to use it");
    }
}
