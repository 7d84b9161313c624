using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Transforms;

using Slipway.Edge.Contract;

namespace Slipway.Edge;

/// <summary>
/// YARP's path refuses the backend answers the direct path refuses, so both give the client the same 502 (as HAProxy and
/// nginx do): an answer framed two ways (Transfer-Encoding beside Content-Length, which RFC 9112 says ought to be handled as
/// an error, as it is how responses are smuggled), and one with a control character in a field value.
/// </summary>
internal static class AmbiguousAnswers
{
    public static bool IsAmbiguous(HttpResponseMessage response)
    {
        if (response.Headers.NonValidated.Contains("Transfer-Encoding") && response.Content.Headers.NonValidated.Contains("Content-Length"))
            return true;
        foreach (var headers in new IEnumerable<KeyValuePair<string, System.Net.Http.Headers.HeaderStringValues>>[]
                     { response.Headers.NonValidated, response.Content.Headers.NonValidated })
            foreach (var (_, values) in headers)
                foreach (var value in values)
                    if (value.AsSpan().IndexOfAnyInRange('\0', '\u0008') >= 0 || value.AsSpan().IndexOfAnyInRange('\u000A', '\u001F') >= 0 || value.Contains('\u007F'))
                        return true;
        return false;
    }

    /// <summary>Replaces such an answer, before anything of it reaches the client, with an empty 502.</summary>
    public static ValueTask RefuseAsync(ResponseTransformContext transform)
    {
        if (transform.ProxyResponse is not { } response || !IsAmbiguous(response)) return ValueTask.CompletedTask;
        transform.HttpContext.Response.Clear();
        transform.HttpContext.Response.StatusCode = StatusCodes.Status502BadGateway;
        transform.HttpContext.Response.ContentLength = 0;
        transform.SuppressResponseBody = true;
        return ValueTask.CompletedTask;
    }
}
