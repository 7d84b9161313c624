using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Slipway.Foundation;

namespace Slipway.Backups;

/// <summary>
/// Where and as whom a store reaches its bucket: resolved by the CLI from its environment, or written by it for the scheduler
/// (a root-only file in its template, never a label or a variable).
/// </summary>
/// <param name="Prefix">Empty, or ending with a slash.</param>
/// <param name="Endpoint">Another endpoint than AWS's (a test's moto); null: the region's.</param>
public sealed record S3Access(string Bucket, string Prefix, string Region, string? Endpoint, string AccessKeyId, string SecretAccessKey, string? SessionToken)
{
    public override string ToString() => $"S3Access {{ Bucket = {Bucket}, Prefix = {Prefix}, Region = {Region} }}";
}

/// <summary>
/// Backups in an S3 bucket, under <c>prefix/app/</c>: the data object, then its metadata object (a backup without metadata is not
/// listed, so an upload cut short is never taken for one). Encrypted at rest by S3 (SSE-S3) whatever the bucket's default.
/// </summary>
public sealed class S3BackupStore(string bucket, string prefix, IAmazonS3 s3) : IBackupStore, IDisposable
{
    public static S3BackupStore Open(S3Access access)
    {
        AWSCredentials credentials = access.SessionToken is { } token
            ? new SessionAWSCredentials(access.AccessKeyId, access.SecretAccessKey, token)
            : new BasicAWSCredentials(access.AccessKeyId, access.SecretAccessKey);
        var config = access.Endpoint is { } endpoint
            ? new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = access.Region }
            : new AmazonS3Config { RegionEndpoint = RegionEndpoint.GetBySystemName(access.Region) };
        return new S3BackupStore(access.Bucket, access.Prefix, new AmazonS3Client(credentials, config));
    }

    public string Location => $"s3://{bucket}/{prefix}";

    private string KeyOf(string app, string file) => $"{prefix}{app}/{file}";

    public async Task PutAsync(BackupRecord record, string dataFile, CancellationToken ct)
    {
        await CallAsync(() => s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket, Key = KeyOf(record.App, record.DataFileName), FilePath = dataFile,
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256, ContentType = "application/gzip",
        }, ct));
        await CallAsync(() => s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket, Key = KeyOf(record.App, record.MetadataFileName), ContentBody = record.ToJson(),
            ServerSideEncryptionMethod = ServerSideEncryptionMethod.AES256, ContentType = "application/json",
        }, ct));
    }

    public async Task<IReadOnlyList<BackupRecord>> ListAsync(string app, CancellationToken ct)
    {
        var records = new List<BackupRecord>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = KeyOf(app, "") };
        ListObjectsV2Response page;
        do
        {
            page = await CallAsync(() => s3.ListObjectsV2Async(request, ct));
            foreach (var item in (page.S3Objects ?? []).Where(o => o.Key.EndsWith(".json", StringComparison.Ordinal)))
            {
                using var response = await CallAsync(() => s3.GetObjectAsync(bucket, item.Key, ct));
                using var reader = new StreamReader(response.ResponseStream);
                if (BackupRecord.FromJson(await reader.ReadToEndAsync(ct)) is { } record && record.App == app) records.Add(record);
            }
            request.ContinuationToken = page.NextContinuationToken;
        } while (page.IsTruncated == true);
        return records.OrderByDescending(r => r.CreatedAt).ToList();
    }

    public async Task FetchAsync(BackupRecord record, string toFile, CancellationToken ct)
    {
        using var response = await CallAsync(() => s3.GetObjectAsync(bucket, KeyOf(record.App, record.DataFileName), ct));
        await using var file = File.Create(toFile);
        await response.ResponseStream.CopyToAsync(file, ct);
    }

    public async Task DeleteAsync(BackupRecord record, CancellationToken ct)
    {
        await CallAsync(() => s3.DeleteObjectAsync(bucket, KeyOf(record.App, record.MetadataFileName), ct));
        await CallAsync(() => s3.DeleteObjectAsync(bucket, KeyOf(record.App, record.DataFileName), ct));
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
                HttpStatusCode.NotFound when e.ErrorCode == "NoSuchBucket" => $"create the bucket first (aws s3 mb s3://{bucket}) or fix backups.to",
                HttpStatusCode.Forbidden => "the credentials in use may not use this bucket: grant s3:PutObject, s3:GetObject, s3:ListBucket and s3:DeleteObject on it",
                _ => "check the bucket and the credentials, then run the command again",
            };
            throw new SlipwayException(ErrorCode.BackupFailed, $"{Location}: S3 refused ({e.ErrorCode ?? e.StatusCode.ToString()}): {e.Message.Split('\n')[0]}", hint);
        }
    }

    public void Dispose() => s3.Dispose();
}
