using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Slipway.Foundation;

namespace Slipway.Cloud.Aws;

/// <summary>
/// Where and as whom Slipway talks to AWS: the SDK's default credential chain (environment variables,
/// profiles, SSO, instance roles, a CI's web identity), the region, and the endpoint of each service
/// (<c>AWS_ENDPOINT_URL</c> or <c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> override it, e.g. for moto).
/// </summary>
public sealed record AwsSettings(AWSCredentials Credentials, RegionEndpoint Region, Func<string, string?> Environment)
{
    public static AwsSettings Resolve(string? manifestRegion, Func<string, string?> environment)
    {
        string? Set(string name) => environment(name) is { Length: > 0 } value ? value : null;
        var regionName = manifestRegion ?? Set("AWS_REGION") ?? Set("AWS_DEFAULT_REGION")
            ?? throw new SlipwayException(ErrorCode.AwsNotConfigured, "no AWS region is set",
                "set aws.region in the manifest, or export AWS_REGION=eu-west-1 (for example)");
        AWSCredentials credentials;
        try
        {
            // Keys in the given environment first, as the SDK's chain takes them from the process's; then the rest of its chain.
            credentials = (Set("AWS_ACCESS_KEY_ID"), Set("AWS_SECRET_ACCESS_KEY"), Set("AWS_SESSION_TOKEN")) switch
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
        return new AwsSettings(credentials, RegionEndpoint.GetBySystemName(regionName), environment);
    }

    /// <summary>The endpoint of one service: an override from the environment, else the public regional endpoint.</summary>
    public Uri EndpointFor(string endpointPrefix, string serviceId)
    {
        var specific = Environment("AWS_ENDPOINT_URL_" + serviceId.ToUpperInvariant().Replace(' ', '_'));
        var general = Environment("AWS_ENDPOINT_URL");
        var overridden = specific ?? general;
        return overridden is { Length: > 0 }
            ? new Uri(overridden.TrimEnd('/') + "/")
            : new Uri($"https://{endpointPrefix}.{Region.SystemName}.amazonaws.com/");
    }
}
