using Microsoft.Win32.SafeHandles;

namespace Particle.Linux.Tests;

public sealed class FileSyncTests
{
    [Fact]
    public void Fsyncs_a_file_and_its_directory()
    {
        string dir = Directory.CreateTempSubdirectory("pnl-").FullName;
        try
        {
            string file = Path.Combine(dir, "journal");
            using (SafeFileHandle handle = File.OpenHandle(file, FileMode.CreateNew, FileAccess.Write))
            {
                RandomAccess.Write(handle, "hello"u8, 0);
                FileSync.Fsync(handle);
                FileSync.Fdatasync(handle);
            }
            FileSync.FsyncDirectory(dir);

            File.ReadAllText(file).Should().Be("hello");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_missing_directory_names_the_path()
    {
        var act = () => FileSync.FsyncDirectory("/nonexistent/pnl");

        var e = act.Should().Throw<LinuxException>().Which;
        e.Errno.Should().Be(Errno.ENOENT);
        e.Target.Should().Be("/nonexistent/pnl");
    }
}
