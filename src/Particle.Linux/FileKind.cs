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
    public static FileKinds Of(string path) => Libc.LinkMode(path) is not { } mode
        ? FileKinds.Missing
        : (mode & Libc.S_IFMT) switch
        {
            Libc.S_IFREG => FileKinds.Regular,
            Libc.S_IFDIR => FileKinds.Directory,
            Libc.S_IFSOCK => FileKinds.Socket,
            Libc.S_IFLNK => FileKinds.SymbolicLink,
            _ => FileKinds.Other,
        };

    /// <summary>The uid owning the path itself, without following a symbolic link; null when missing.</summary>
    public static uint? OwnerOf(string path) => Libc.LinkOwner(path);
}
