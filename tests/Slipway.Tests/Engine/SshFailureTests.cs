using Slipway.Engine;

namespace Slipway.Tests.Engine;

/// <summary>What OpenSSH (9.2, Debian 12) and the docker CLI print when ssh:// cannot give an engine, each read as one line and a hint.</summary>
[Trait("Tier", "unit")]
public sealed class SshFailureTests
{
    private static readonly SshTarget Server = new("deploy", "203.0.113.7", null);

    [Theory]
    [InlineData(255, "@@@@@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n@@@@@@@@@@@@\nHost key verification failed.",
        "ssh://deploy@203.0.113.7: the server's host key changed since it was last trusted; nothing was changed", "ssh-keygen -R 203.0.113.7")]
    [InlineData(255, "No ED25519 host key is known for 203.0.113.7 and you have requested strict checking.\r\nHost key verification failed.",
        "ssh://deploy@203.0.113.7: the server's host key is not known; nothing was changed", "log in once with ssh deploy@203.0.113.7")]
    [InlineData(255, "deploy@203.0.113.7: Permission denied (publickey).",
        "ssh://deploy@203.0.113.7: the server refused the login of deploy; nothing was changed", "ssh-add")]
    [InlineData(255, "ssh: Could not resolve hostname nowhere: Name or service not known",
        "ssh://deploy@203.0.113.7: cannot resolve the host name 203.0.113.7", "engine's address")]
    [InlineData(255, "ssh: connect to host 203.0.113.7 port 22: Connection refused",
        "ssh://deploy@203.0.113.7: the server refused the connection on port 22; nothing was changed", "sshd runs")]
    [InlineData(255, "ssh: connect to host 203.0.113.7 port 22: Connection timed out",
        "ssh://deploy@203.0.113.7: cannot reach the server (ssh: connect to host 203.0.113.7 port 22: Connection timed out)", "port 22 is open")]
    [InlineData(1, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
        "ssh://deploy@203.0.113.7: no container engine runs on the server; nothing was changed", "systemctl start docker")]
    [InlineData(1, "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get ...: dial unix /var/run/docker.sock: connect: permission denied",
        "ssh://deploy@203.0.113.7: deploy may not use the engine on the server", "docker group")]
    [InlineData(127, "bash: line 1: docker: command not found",
        "ssh://deploy@203.0.113.7: the server has no docker command, which ssh:// needs (docker system dial-stdio)", "install Docker")]
    [InlineData(3, "something else entirely",
        "ssh://deploy@203.0.113.7: ssh failed: something else entirely", "ssh deploy@203.0.113.7 docker version")]
    public void Each_way_ssh_fails_is_one_line_with_a_hint(int exitCode, string stderr, string message, string hintPart)
    {
        var error = SshFailure.Explain(Server, exitCode, stderr);

        Assert.Equal(message, error.Message);
        Assert.Contains(hintPart, error.Hint);
        Assert.Equal(Slipway.Foundation.ErrorCode.EngineUnreachable, error.Code);
    }
}
