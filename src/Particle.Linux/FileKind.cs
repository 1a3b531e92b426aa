using Particle.Linux.Interop;

namespace Particle.Linux;

public enum FileKinds
{
    Missing,
    Regular,
    Directory,
    Socket,
    SymbolicLink,
    Other,
}

/// <summary>What a path is, without following a symbolic link at its end.</summary>
public static class FileKind
{
    public static FileKinds Of(string path) => Of(path, out _);

    /// <summary>Also the uid owning the path itself (0 when missing), from the same single statx.</summary>
    public static FileKinds Of(string path, out uint owner)
    {
        owner = 0;
        if (Libc.LinkStat(path) is not { } stat)
            return FileKinds.Missing;
        owner = stat.Owner;
        return (stat.Mode & Libc.S_IFMT) switch
        {
            Libc.S_IFREG => FileKinds.Regular,
            Libc.S_IFDIR => FileKinds.Directory,
            Libc.S_IFSOCK => FileKinds.Socket,
            Libc.S_IFLNK => FileKinds.SymbolicLink,
            _ => FileKinds.Other,
        };
    }
}
