using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Slipway.Cloud.Aws;
using S3Location = Slipway.Configuration.S3Location;
using Slipway.Foundation;
using Slipway.Platforms.Backups;

namespace Slipway.Platforms.Aws;

/// <summary>
/// Backups in an S3 bucket, under <c>prefix/app/</c>: the data object, then its metadata object (a backup without metadata is not
/// listed, so an upload cut short is never taken for one). Encrypted at rest by S3 (SSE-S3) whatever the bucket's default.
/// </summary>
public sealed class S3BackupStore(S3Location location, IAmazonS3 s3) : IBackupStore, IDisposable
{
    /// <summary>A store on the bucket with the environment's credentials and region (AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for another endpoint).</summary>
    public static S3BackupStore Create(S3Location location, Func<string, string?> environment)
    {
        var settings = AwsSettings.Resolve(null, environment);
        var endpoint = settings.EndpointFor("s3", "S3");
        var overridden = environment("AWS_ENDPOINT_URL_S3") is { Length: > 0 } || environment("AWS_ENDPOINT_URL") is { Length: > 0 };
        var config = overridden
            ? new AmazonS3Config { ServiceURL = endpoint.ToString(), ForcePathStyle = true, AuthenticationRegion = settings.Region.SystemName }
            : new AmazonS3Config { RegionEndpoint = settings.Region };
        return new S3BackupStore(location, new AmazonS3Client(settings.Credentials, config));
    }

    public string Location => location.ToString();

    private string KeyOf(string app, string file) => $"{location.Prefix}{app}/{file}";

    public async Task PutAsync(BackupRecord record, string dataFile, CancellationToken ct)
    {
        await CallAsync(() => s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = location.Bucket, Key = KeyOf(record.App, record.DataFileName), FilePath = dataFile,
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256, ContentType = "application/gzip",
        }, ct));
        await CallAsync(() => s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = location.Bucket, Key = KeyOf(record.App, record.MetadataFileName), ContentBody = record.ToJson(),
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256, ContentType = "application/json",
        }, ct));
    }

    public async Task<IReadOnlyList<BackupRecord>> ListAsync(string app, CancellationToken ct)
    {
        var records = new List<BackupRecord>();
        var request = new ListObjectsV2Request { BucketName = location.Bucket, Prefix = KeyOf(app, "") };
        ListObjectsV2Response page;
        do
        {
            page = await CallAsync(() => s3.ListObjectsV2Async(request, ct));
            foreach (var item in (page.S3Objects ?? []).Where(o => o.Key.EndsWith(".json", StringComparison.Ordinal)))
            {
                using var response = await CallAsync(() => s3.GetObjectAsync(location.Bucket, item.Key, ct));
                using var reader = new StreamReader(response.ResponseStream);
                if (BackupRecord.FromJson(await reader.ReadToEndAsync(ct)) is { } record && record.App == app) records.Add(record);
            }
            request.ContinuationToken = page.NextContinuationToken;
        } while (page.IsTruncated == true);
        return records.OrderByDescending(r => r.CreatedAt).ToList();
    }

    public async Task FetchAsync(BackupRecord record, string toFile, CancellationToken ct)
    {
        using var response = await CallAsync(() => s3.GetObjectAsync(location.Bucket, KeyOf(record.App, record.DataFileName), ct));
        await using var file = File.Create(toFile);
        await response.ResponseStream.CopyToAsync(file, ct);
    }

    public async Task DeleteAsync(BackupRecord record, CancellationToken ct)
    {
        await CallAsync(() => s3.DeleteObjectAsync(location.Bucket, KeyOf(record.App, record.MetadataFileName), ct));
        await CallAsync(() => s3.DeleteObjectAsync(location.Bucket, KeyOf(record.App, record.DataFileName), ct));
    }

    /// <summary>An S3 refusal as one line naming the bucket, the code and what to do.</summary>
    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonS3Exception e)
        {
            var hint = e.StatusCode switch
            {
                HttpStatusCode.NotFound when e.ErrorCode == "NoSuchBucket" => $"create the bucket first (aws s3 mb s3://{location.Bucket}) or fix backups.to",
                HttpStatusCode.Forbidden => "the credentials in use may not use this bucket: grant s3:PutObject, s3:GetObject, s3:ListBucket and s3:DeleteObject on it",
                _ => "check the bucket and the credentials, then run the command again",
            };
            throw new SlipwayException(ErrorCode.BackupFailed, $"{Location}: S3 refused ({e.ErrorCode ?? e.StatusCode.ToString()}): {e.Message.Split('\n')[0]}", hint);
        }
    }

    public void Dispose() => s3.Dispose();
}
