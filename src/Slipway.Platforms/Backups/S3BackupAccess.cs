using Slipway.Backups;
using Slipway.Cloud.Aws;
using Slipway.Configuration;

namespace Slipway.Platforms.Backups;

/// <summary>A bucket of <c>backups.to</c> reached as the AWS settings of an environment find it (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for another endpoint).</summary>
public static class S3BackupAccess
{
    /// <summary>Resolves the credentials now, so missing ones are an error here.</summary>
    public static S3Access Resolve(S3Location location, Func<string, string?> environment)
    {
        var settings = AwsSettings.Resolve(null, environment);
        var overridden = environment("AWS_ENDPOINT_URL_S3") is { Length: > 0 } || environment("AWS_ENDPOINT_URL") is { Length: > 0 };
        var credentials = settings.Credentials.GetCredentials();
        return new S3Access(location.Bucket, location.Prefix, settings.Region.SystemName, overridden ? settings.EndpointFor("s3", "S3").ToString() : null,
            credentials.AccessKey, credentials.SecretKey, credentials.UseToken ? credentials.Token : null);
    }

    public static S3BackupStore Open(S3Location location, Func<string, string?> environment) => S3BackupStore.Open(Resolve(location, environment));
}
