using System.Text.Json.Serialization;
using Particle.Daemon.Cluster.Tls;

namespace Particle.Daemon.Cluster.Etcd;

/// <summary>
/// etcd's user authentication: the password (read from <c>passwordFile</c> each time a token is asked for, so a
/// new password needs no restart) is exchanged at <c>/v3/auth/authenticate</c> for a token, which every request
/// then carries in its Authorization header. etcd forgets tokens (a restart, <c>--auth-token-ttl</c> of idleness)
/// and then answers "invalid auth token" (gRPC code 16); the client drops the token and asks for a new one.
/// Neither the password nor the token is ever logged or put into a message.
/// </summary>
internal sealed class EtcdAuth(string user, string passwordFile)
{
    /// <summary>gRPC UNAUTHENTICATED: the token is unknown to etcd (expired, or etcd restarted).</summary>
    public const int InvalidToken = 16;

    private readonly Lock _gate = new();
    private string? _token;

    public string User { get; } = user;

    public string PasswordFile { get; } = passwordFile;

    public string? Token
    {
        get
        {
            lock (_gate)
            {
                return _token;
            }
        }
    }

    /// <summary>The request that asks for a token; reads the password file now (and checks its permissions).</summary>
    public AuthenticateRequest Request() => new(User, SecretFile.ReadLine(PasswordFile, "etcd.passwordFile"));

    public void Accept(string token)
    {
        lock (_gate)
        {
            _token = token;
        }
    }

    /// <summary>Forgets <paramref name="token"/> unless another request already replaced it.</summary>
    public void Invalidate(string? token)
    {
        lock (_gate)
        {
            if (_token == token)
            {
                _token = null;
            }
        }
    }
}

internal sealed record AuthenticateRequest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("password")] string Password)
{
    // A record prints every member; this one must never print the password.
    public override string ToString() => $"AuthenticateRequest {{ Name = {Name} }}";
}

internal sealed record AuthenticateResponse([property: JsonPropertyName("token")] string? Token);
