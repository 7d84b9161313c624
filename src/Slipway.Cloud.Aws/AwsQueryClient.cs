using System.Xml.Linq;

namespace Slipway.Cloud.Aws;

/// <summary>
/// The AWS query protocol (CloudFormation, ELBv2): a form-encoded POST with <c>Action</c> and <c>Version</c>;
/// XML answers, errors as <c>&lt;ErrorResponse&gt;&lt;Error&gt;&lt;Code&gt;</c>.
/// </summary>
public sealed class AwsQueryClient(AwsHttp http, string service, string apiVersion) : IDisposable
{
    /// <summary>Calls an action; returns its <c>&lt;ActionResult&gt;</c> element with namespaces stripped.</summary>
    public async Task<XElement> CallAsync(string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken ct)
    {
        var form = new List<KeyValuePair<string, string>> { new("Action", action), new("Version", apiVersion) };
        form.AddRange(parameters);
        var (_, text) = await http.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, "") { Content = new FormUrlEncodedContent(form) },
            (status, body) => ParseError(service, status, body)?.WithAction($"{http.SigningName}:{action}"), ct);
        var root = StripNamespaces(XElement.Parse(text));
        return root.Element(action + "Result") ?? root;
    }

    public static AwsServiceException? ParseError(string service, System.Net.HttpStatusCode status, string body)
    {
        try
        {
            var error = StripNamespaces(XElement.Parse(body)).Descendants("Error").FirstOrDefault();
            return error is null ? null
                : new AwsServiceException(service, (string?)error.Element("Code") ?? "Unknown", (string?)error.Element("Message") ?? "", (int)status);
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }

    public static XElement StripNamespaces(XElement element) =>
        new(element.Name.LocalName,
            element.Attributes().Where(a => !a.IsNamespaceDeclaration).Select(a => new XAttribute(a.Name.LocalName, a.Value)),
            element.Nodes().Select(n => n is XElement child ? StripNamespaces(child) : n));

    public void Dispose() => http.Dispose();
}
