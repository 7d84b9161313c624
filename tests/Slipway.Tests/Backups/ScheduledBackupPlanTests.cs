using Slipway.Backups;

namespace Slipway.Tests.Backups;

/// <summary>The plan the CLI writes for a scheduled backup and the run reads: what it keeps, and what it never shows.</summary>
[Trait("Tier", "unit")]
public sealed class ScheduledBackupPlanTests
{
    private static readonly S3Access Bucket = new("backups", "nightly/", "eu-west-1", null, "AKIAEXAMPLE", "secret-key-9f2c", null);

    private static ScheduledBackupPlan Plan(string? folder, S3Access? s3) => new("shop", "prod", 14,
        [
            new ScheduledBackupSource(BackupTarget.Accessory, "db", new Dictionary<string, string> { ["slipway.accessory"] = "db" }, ["pg_dump", "app"], null),
            new ScheduledBackupSource(BackupTarget.Volume, "uploads", new Dictionary<string, string> { ["slipway.app"] = "shop" }, null, "/srv/uploads", ["slipway.volumes", "uploads"]),
        ], folder, s3, folder is null ? null : [1000, 1000], new Dictionary<string, string> { ["slipway.app"] = "shop" }, "slipway.version");

    [Fact]
    public void A_plan_round_trips_through_its_file_with_either_store()
    {
        foreach (var plan in new[] { Plan("/backups", null), Plan(null, Bucket) })
        {
            var read = ScheduledBackupPlan.FromJson(plan.ToJson())!;
            Assert.Equal((plan.App, plan.Keep, plan.Folder, plan.S3), (read.App, read.Keep, read.Folder, read.S3));
            Assert.Equal(["pg_dump", "app"], read.Sources[0].Command!);
            Assert.Equal(["slipway.volumes", "uploads"], read.Sources[1].Mounting!);
        }
    }

    [Fact]
    public void A_file_with_no_store_or_two_or_no_plan_at_all_is_not_one()
    {
        Assert.Null(ScheduledBackupPlan.FromJson(Plan(null, null).ToJson()));
        Assert.Null(ScheduledBackupPlan.FromJson(Plan("/backups", Bucket).ToJson()));
        Assert.Null(ScheduledBackupPlan.FromJson("{\"app\": \"shop\"}"));
        Assert.Null(ScheduledBackupPlan.FromJson("not json"));
    }

    [Fact]
    public void The_bucket_keys_are_in_the_file_only_never_in_a_plan_printed()
    {
        var plan = Plan(null, Bucket);

        Assert.Contains("secret-key-9f2c", plan.ToJson());
        Assert.DoesNotContain("secret-key-9f2c", plan.ToString());
        Assert.DoesNotContain("AKIAEXAMPLE", Bucket.ToString());
    }
}
