using System.Text;
using Particle.Protocol;

namespace Particle.Cni.Tests;

public sealed class ConfigTests
{
    private static (int Exit, string Stdout) Add(string conf) => CniRun.Run(CniRun.Env("ADD"), conf);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("{", "not valid JSON")]
    [InlineData("[1,2]", "object")]
    [InlineData("\"text\"", "object")]
    [InlineData("""{"cniVersion":1,"name":"n"}""", "cniVersion")]
    [InlineData("""{"cniVersion":"1.1.0","name":5}""", "name")]
    [InlineData("""{"cniVersion":"1.1.0","name":"n","type":[]}""", "type")]
    [InlineData("""{"cniVersion":"1.1.0","name":"n","socket":true}""", "socket")]
    [InlineData("""{"cniVersion":"1.1.0","name":"n","stateDir":{}}""", "stateDir")]
    [InlineData("""{"cniVersion":"1.1.0","name":"n","timeoutSeconds":"10"}""", "timeoutSeconds")]
    [InlineData("""{"cniVersion":"1.1.0","name":"n","timeoutSeconds":1.5}""", "timeoutSeconds")]
    [InlineData("""{"cniVersion":"1.1.0","name":"n","runtimeConfig":[]}""", "runtimeConfig")]
    [InlineData("""{"cniVersion":"1.1.0","name":"n","capabilities":"x"}""", "capabilities")]
    [InlineData("""{"cniVersion":"1.1.0","name":"n","prevResult":[]}""", "prevResult")]
    [InlineData("""{"cniVersion":"1.1.0","name":"n","prevResult":{"ips":[{"address":"10.0.0.1"}]}}""", "prefix")]
    [InlineData("""{"cniVersion":"1.1.0","name":"n","prevResult":{"interfaces":{}}}""", "interfaces")]
    public void Undecodable_config_is_code_6(string conf, string mentions)
    {
        Add(conf).ShouldFail(ErrorCodes.DecodeFailure, mentions);
    }

    [Theory]
    [InlineData("2.0.0")]
    [InlineData("1.1")]
    [InlineData("0.5.0")]
    public void Unknown_version_is_code_1_listing_supported(string version)
    {
        var run = Add(CniRun.Conf(version));
        run.ShouldFail(ErrorCodes.IncompatibleVersion, $"\"{version}\"");
        CniRun.Error(run.Stdout).Msg.Should().Contain("0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0");
    }

    [Fact]
    public void Missing_version_is_0_1_0_as_in_libcni()
    {
        using var dir = new TempDir();
        using var daemon = new FakeDaemon(dir["d.sock"], _ => DaemonResponse.Success(new AttachmentResult { Ips = [new() { Address = "10.0.0.2/24" }] }));
        var run = Add($$"""{"name":"n","socket":"{{daemon.SocketPath}}"}""");
        run.Exit.Should().Be(0, run.Stdout);
        run.Stdout.Should().Be("""{"cniVersion":"0.1.0","ip4":{"ip":"10.0.0.2/24"},"dns":{}}""" + "\n");
    }

    [Theory]
    [InlineData("""{"cniVersion":"1.1.0"}""")]
    [InlineData("""{"cniVersion":"1.1.0","name":""}""")]
    [InlineData("""{"cniVersion":"1.1.0","name":"bad name"}""")]
    [InlineData("""{"cniVersion":"1.1.0","name":".dot"}""")]
    public void Missing_or_bad_network_name_is_code_7(string conf)
    {
        Add(conf).ShouldFail(ErrorCodes.InvalidNetworkConfig, "name");
    }

    [Fact]
    public void Conflist_is_code_7()
    {
        Add("""{"cniVersion":"1.1.0","name":"n","plugins":[{"type":"particle"}]}""").ShouldFail(ErrorCodes.InvalidNetworkConfig, "plugins");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(301)]
    [InlineData(-5)]
    public void Timeout_out_of_range_is_code_7(int seconds)
    {
        Add(CniRun.Conf(extra: $"\"timeoutSeconds\":{seconds}")).ShouldFail(ErrorCodes.InvalidNetworkConfig, "timeoutSeconds");
    }

    [Theory]
    [InlineData("\"socket\":\"relative.sock\"", "socket")]
    [InlineData("\"stateDir\":\"var/lib\"", "stateDir")]
    public void Relative_paths_are_code_7(string extra, string mentions)
    {
        Add(CniRun.Conf(extra: extra)).ShouldFail(ErrorCodes.InvalidNetworkConfig, mentions);
    }

    [Fact]
    public void Socket_path_longer_than_sun_path_is_code_7()
    {
        Add(CniRun.Conf(extra: $"\"socket\":\"/{new string('s', 120)}\"")).ShouldFail(ErrorCodes.InvalidNetworkConfig, "socket");
    }

    [Fact]
    public void Unknown_keys_are_tolerated()
    {
        var conf = CniRun.Conf(extra: """
            "socket":"/nonexistent/p.sock","cni.dev/foo":{"x":1},"nerdctlID":"abc","capabilities":{"portMappings":true},
            "runtimeConfig":{"portMappings":[]},"args":{"cni":{}},"ipam":{},"somethingElse":[1,2,3]
            """);
        // Gets past config validation: the failure is the absent daemon.
        Add(conf).ShouldFail(ErrorCodes.TryAgainLater, "/nonexistent/p.sock");
    }

    [Fact]
    public void Stdin_over_one_MiB_is_code_6()
    {
        var big = Encoding.UTF8.GetBytes(CniRun.Conf(extra: $"\"pad\":\"{new string('x', 1 << 20)}\""));
        CniRun.Run(CniRun.Env("ADD"), big).ShouldFail(ErrorCodes.DecodeFailure, "larger than");
    }

    [Fact]
    public void Stdin_over_one_MiB_is_not_read_to_the_end()
    {
        using var endless = new EndlessStream();
        using var output = new MemoryStream();
        PluginRunner.Run(CniRun.Env("ADD"), endless, output).Should().Be(1);
        CniRun.Error(Encoding.UTF8.GetString(output.ToArray())).Code.Should().Be(ErrorCodes.DecodeFailure);
        endless.Position.Should().BeLessThan(2L << 20);
    }

    [Fact]
    public void Error_document_speaks_the_config_version()
    {
        var run = Add(CniRun.Conf("0.4.0", "\"socket\":\"/nonexistent/p.sock\""));
        CniRun.Error(run.Stdout).CniVersion.Should().Be("0.4.0");
        run.Stdout.Should().Be("""{"cniVersion":"0.4.0","code":11,"msg":"particled is not reachable at /nonexistent/p.sock: no such file or directory; try again later"}""" + "\n");
    }

    private sealed class EndlessStream : Stream
    {
        private long _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)' ');
            _position += count;
            return count;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
