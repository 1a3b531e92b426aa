using System.Text.Json;
using System.Threading.Channels;
using Particle.Linux;

namespace Particle.Daemon.Ipam;

/// <summary>
/// An append-only file of <see cref="JournalRecord"/> lines. Appends go to the kernel at once; durability
/// is asked for separately with <see cref="FlushAsync"/>, and concurrent callers share one fsync (group
/// commit), so a burst of ADDs pays for a few fsyncs rather than one each.
/// A line cut short by a crash is ignored on reading: its writer was never told it was durable.
/// </summary>
public sealed class AllocationJournal : IDisposable
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly Channel<TaskCompletionSource> _flushRequests =
        Channel.CreateUnbounded<TaskCompletionSource>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _flusher;
    private FileStream _stream;

    private AllocationJournal(string path, FileStream stream)
    {
        _path = path;
        _stream = stream;
        _flusher = Task.Run(FlushLoop);
    }

    /// <summary>Records appended since the file was last rewritten.</summary>
    public int RecordsSinceRewrite { get; private set; }

    public static AllocationJournal Open(string path, out List<JournalRecord> records, out int skippedLines)
    {
        records = [];
        skippedLines = 0;
        long goodLength = 0;
        var stream = OpenForAppend(path);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        int start = 0;
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0)
                break; // torn tail: never acknowledged as durable
            var record = TryParse(bytes.AsSpan(start, end - start));
            if (record is null)
                skippedLines++;
            else
                records.Add(record);
            start = end + 1;
            goodLength = start;
        }
        if (stream.Length != goodLength)
        {
            stream.SetLength(goodLength);
            stream.Flush(flushToDisk: true);
        }
        stream.Seek(0, SeekOrigin.End);
        return new AllocationJournal(path, stream) { RecordsSinceRewrite = records.Count };
    }

    public void Append(JournalRecord record)
    {
        byte[] line = Serialize(record);
        lock (_gate)
        {
            _stream.Write(line);
            RecordsSinceRewrite++;
        }
    }

    /// <summary>Several records in one write: a crash of the daemon (not of the machine) keeps all or none.</summary>
    public void Append(JournalRecord first, JournalRecord second)
    {
        byte[] a = Serialize(first), b = Serialize(second);
        var lines = new byte[a.Length + b.Length];
        a.CopyTo(lines, 0);
        b.CopyTo(lines, a.Length);
        lock (_gate)
        {
            _stream.Write(lines);
            RecordsSinceRewrite += 2;
        }
    }

    /// <summary>Completes once every record appended before the call is on disk.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_flushRequests.Writer.TryWrite(done))
            done.SetException(new ObjectDisposedException(nameof(AllocationJournal)));
        return done.Task;
    }

    /// <summary>
    /// Replaces the whole file with <paramref name="records"/>, atomically: a crash leaves either the old
    /// file or the new one, never a mix.
    /// </summary>
    public void Rewrite(IEnumerable<JournalRecord> records)
    {
        lock (_gate)
        {
            string temp = _path + ".new";
            using (var output = new FileStream(temp, new FileStreamOptions
                   {
                       Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None,
                       UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite, BufferSize = 64 * 1024,
                   }))
            {
                int count = 0;
                foreach (var record in records)
                {
                    output.Write(Serialize(record));
                    count++;
                }
                output.Flush(flushToDisk: true);
                RecordsSinceRewrite = count;
            }
            File.Move(temp, _path, overwrite: true);
            FileSync.FsyncDirectory(Path.GetDirectoryName(_path)!);
            _stream.Dispose();
            _stream = OpenForAppend(_path);
            _stream.Seek(0, SeekOrigin.End);
        }
    }

    public void Dispose()
    {
        _flushRequests.Writer.TryComplete();
        _flusher.Wait(TimeSpan.FromSeconds(5));
        lock (_gate)
            _stream.Dispose();
    }

    private async Task FlushLoop()
    {
        var reader = _flushRequests.Reader;
        var batch = new List<TaskCompletionSource>();
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var request))
                batch.Add(request);
            try
            {
                lock (_gate)
                    _stream.Flush(flushToDisk: true);
                batch.ForEach(r => r.TrySetResult());
            }
            catch (Exception e)
            {
                batch.ForEach(r => r.TrySetException(e));
            }
            batch.Clear();
        }
    }

    private static FileStream OpenForAppend(string path)
    {
        // A planted symbolic link would make the daemon write its journal wherever it points.
        var kind = FileKind.Of(path);
        if (kind is not (FileKinds.Missing or FileKinds.Regular))
            throw new IOException($"journal {path} is a {kind.ToString().ToLowerInvariant()}, not a regular file; refusing to use it");
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.Read,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite, BufferSize = 0,
        });
        File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return stream;
    }

    private static byte[] Serialize(JournalRecord record)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(record, JournalJsonContext.Default.JournalRecord);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    private static JournalRecord? TryParse(ReadOnlySpan<byte> line)
    {
        try
        {
            var record = JsonSerializer.Deserialize(line, JournalJsonContext.Default.JournalRecord);
            return record is { Op: JournalRecord.AddOp or JournalRecord.DelOp } ? record : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
