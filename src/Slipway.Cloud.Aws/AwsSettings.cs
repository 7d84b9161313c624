using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.RuntimeDependencies;
using Amazon.SecurityToken;
using Slipway.Foundation;

namespace Slipway.Cloud.Aws;

/// <summary>
/// Where and as whom Slipway talks to AWS: the SDK's default credential chain (environment variables,
/// profiles, SSO, instance roles, a CI's web identity), the region, and the endpoint of each service
/// (<c>AWS_ENDPOINT_URL</c> or <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> override it, e.g. for moto).
/// </summary>
public sealed record AwsSettings(AWSCredentials Credentials, RegionEndpoint Region, Func<string, string?> Environment)
{
    /// <summary>
    /// The SDK's credential chain assumes a role (a CI job's web identity token, a profile's role_arn) through an STS client it
    /// would otherwise load by reflection, which the native CLI cannot: it is registered once per process, as the SDK asks.
    /// </summary>
    static AwsSettings() =>
        GlobalRuntimeDependencyRegistry.Instance.RegisterSecurityTokenServiceClient(context =>
            new AmazonSecurityTokenServiceClient(context.SecurityTokenServiceClientContextData.Region));

    /// <summary>
    /// The region as the SDK finds it (the manifest's first): AWS_REGION, AWS_DEFAULT_REGION, then the profile's
    /// <c>region</c> in the AWS config file (AWS_PROFILE, else default; AWS_CONFIG_FILE, else ~/.aws/config). The
    /// credentials are found when the first request needs them, so a command that calls nothing (package) needs none.
    /// </summary>
    public static AwsSettings Resolve(string? manifestRegion, Func<string, string?> environment)
    {
        string? Set(string name) => environment(name) is { Length: > 0 } value ? value : null;
        var regionName = manifestRegion ?? Set("AWS_REGION") ?? Set("AWS_DEFAULT_REGION") ?? AwsConfigFile.RegionOf(environment)
            ?? throw new SlipwayException(ErrorCode.AwsNotConfigured, "no AWS region is set",
                "set aws.region in the manifest, export AWS_REGION=eu-west-1 (for example), or give your AWS profile a region");
        var credentials = new DeferredCredentials(() =>
        {
            try
            {
                // Keys in the given environment first, as the SDK's chain takes them from the process's; then the rest of its chain.
                return (Set("AWS_ACCESS_KEY_ID"), Set("AWS_SECRET_ACCESS_KEY"), Set("AWS_SESSION_TOKEN")) switch
                {
                    ({ } key, { } secret, { } token) => new SessionAWSCredentials(key, secret, token),
                    ({ } key, { } secret, null) => new BasicAWSCredentials(key, secret),
                    _ => DefaultAWSCredentialsIdentityResolver.GetCredentials(null),
                };
            }
            catch (AmazonClientException)
            {
                throw new SlipwayException(ErrorCode.AwsNotConfigured, "no AWS credentials were found",
                    "export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or set AWS_PROFILE, or run 'aws sso login'");
            }
        });
        return new AwsSettings(credentials, RegionEndpoint.GetBySystemName(regionName), environment);
    }

    /// <summary>The kind of credentials found (never a key); finds them now, so a missing one is an error here.</summary>
    public string CredentialsKind() => Credentials is DeferredCredentials deferred ? deferred.Resolved.GetType().Name : Credentials.GetType().Name;

    /// <summary>The endpoint of one service: an override from the environment, else the public regional endpoint.</summary>
    public Uri EndpointFor(string endpointPrefix, string serviceId)
    {
        var specific = Environment("AWS_ENDPOINT_URL_" + serviceId.ToUpperInvariant().Replace(' ', '_'));
        var general = Environment("AWS_ENDPOINT_URL");
        var overridden = specific ?? general;
        return overridden is { Length: > 0 }
            ? new Uri(overridden.TrimEnd('/') + "/")
            : new Uri($"https://{endpointPrefix}.{Region.SystemName}.{Region.PartitionDnsSuffix ?? "amazonaws.com"}/");
    }
}

/// <summary>Credentials found on first use (then kept): the SDK's chain may read files or call a service to find them.</summary>
internal sealed class DeferredCredentials(Func<AWSCredentials> find) : AWSCredentials
{
    private readonly Lazy<AWSCredentials> _found = new(find);

    public AWSCredentials Resolved => _found.Value;

    public override ImmutableCredentials GetCredentials() => _found.Value.GetCredentials();

    public override Task<ImmutableCredentials> GetCredentialsAsync() => _found.Value.GetCredentialsAsync();
}

/// <summary>The AWS CLI's config file, read for one thing: the profile's region.</summary>
public static class AwsConfigFile
{
    public static string? RegionOf(Func<string, string?> environment)
    {
        var path = environment("AWS_CONFIG_FILE") is { Length: > 0 } given ? given
            : Path.Combine(environment("HOME") ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".aws", "config");
        if (!File.Exists(path)) return null;
        var profile = environment("AWS_PROFILE") is { Length: > 0 } named ? named : "default";
        var section = profile == "default" ? "default" : $"profile {profile}";
        string? current = null;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                current = System.Text.RegularExpressions.Regex.Replace(line[1..^1].Trim(), @"\s+", " ");
                continue;
            }
            var equals = line.IndexOf('=');
            if (current == section && equals > 0 && line[..equals].Trim() == "region" && line[(equals + 1)..].Trim() is { Length: > 0 } region)
                return region;
        }
        return null;
    }
}
