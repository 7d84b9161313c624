namespace Slipway.Tests.Support;

public static class Http
{
    public static readonly HttpClient Client = new(new SocketsHttpHandler { UseProxy = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.FromSeconds(1) })
    {
        Timeout = TimeSpan.FromSeconds(10),
    };
}
