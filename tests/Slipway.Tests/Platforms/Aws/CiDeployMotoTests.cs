using System.Text.Json;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>
/// A deploy as examples/ci/deploy.yml runs it: no stored keys, only a web identity token (what GitHub's OIDC gives a
/// job) and a role, exchanged through AWSSDK's default credential chain with STS (moto's answers
/// AssumeRoleWithWebIdentity); the job reads the result from --json and gates on the exit code.
/// </summary>
[Trait("Tier", "aws")]
[Collection(Slipway.Tests.EndToEnd.AwsCollection.Name)]
public sealed class CiDeployMotoTests(MotoFixture moto) : IClassFixture<MotoFixture>
{
    private const string Role = "arn:aws:iam::123456789012:role/slipway-deployer";

    [Fact]
    public async Task A_ci_job_deploys_with_a_web_identity_token_and_a_role_and_no_stored_keys()
    {
        await moto.ResetAsync();
        await using var app = new LocalApp("oidc");
        var token = app.Repo.Path + ".token";
        File.WriteAllText(token, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJyZXBvOm93bmVyL3JlcG86ZW52aXJvbm1lbnQ6cHJvZHVjdGlvbiJ9.");
        var env = new Dictionary<string, string>(moto.Environment)
        {
            ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", // nothing stored: only the token and the role
            ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent", ["AWS_CONFIG_FILE"] = "/nonexistent",
            ["AWS_ROLE_ARN"] = Role, ["AWS_WEB_IDENTITY_TOKEN_FILE"] = token, ["AWS_ROLE_SESSION_NAME"] = "slipway-ci-42",
            ["GITHUB_RUN_ID"] = "42", ["GITHUB_REPOSITORY"] = "owner/repo",
        };

        CliResult up = null!;
        var calls = await moto.RecordAsync(async () =>
            up = await app.Cli.RunAsync(["up", "-e", "aws", "--no-check", "--yes", "--json", "-f", app.ManifestPath], env, TestContext.Current.CancellationToken));

        up.Succeeded();
        var result = JsonDocument.Parse(up.Stdout).RootElement;
        Assert.Equal(app.FirstVersion, result.GetProperty("version").GetString());
        Assert.StartsWith("http", result.GetProperty("url").GetString());
        var exchange = Assert.Single(calls, c => c.Action == "AssumeRoleWithWebIdentity");
        Assert.Equal(Role, exchange.Form["RoleArn"]);
        Assert.Equal(File.ReadAllText(token), exchange.Form["WebIdentityToken"]);
        // Every AWS call after the exchange is signed with the session's temporary key, none with a stored one.
        var signed = calls.Where(c => c.Action != "AssumeRoleWithWebIdentity" && c.AccessKey is not null).ToList();
        Assert.NotEmpty(signed);
        Assert.Single(signed.Select(c => c.AccessKey).Distinct());
        Assert.DoesNotContain(signed, c => c.AccessKey == moto.Environment["AWS_ACCESS_KEY_ID"]);
    }

    [Fact]
    public void The_ci_roles_trust_policy_admits_only_the_one_repositorys_production_environment_through_githubs_oidc()
    {
        var trust = IamPolicy.Load(Path.Combine(RepositoryRoot.Path, "deploy", "aws", "ci-trust-policy.json"));
        Dictionary<string, string> Token(string sub, string aud = "sts.amazonaws.com") => new()
        {
            ["token.actions.githubusercontent.com:aud"] = aud, ["token.actions.githubusercontent.com:sub"] = sub,
        };
        var role = "arn:aws:iam::123456789012:role/slipway-deployer";

        Assert.Equal(IamDecision.Allowed, trust.Evaluate(new("sts:AssumeRoleWithWebIdentity", role, Token("repo:OWNER/REPOSITORY:environment:production"))));
        Assert.Equal(IamDecision.ImplicitDeny, trust.Evaluate(new("sts:AssumeRoleWithWebIdentity", role, Token("repo:OWNER/REPOSITORY:ref:refs/heads/feature"))));
        Assert.Equal(IamDecision.ImplicitDeny, trust.Evaluate(new("sts:AssumeRoleWithWebIdentity", role, Token("repo:OTHER/REPOSITORY:environment:production"))));
        Assert.Equal(IamDecision.ImplicitDeny, trust.Evaluate(new("sts:AssumeRoleWithWebIdentity", role, Token("repo:OWNER/REPOSITORY:environment:production", "other"))));
        Assert.Equal(IamDecision.ImplicitDeny, trust.Evaluate(new("sts:AssumeRole", role, Token("repo:OWNER/REPOSITORY:environment:production"))));

        // The workflow hands the SDK exactly what its default chain reads, and gates on --json and the exit codes.
        var workflow = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "examples", "ci", "deploy.yml"));
        Assert.Contains("AWS_ROLE_ARN:", workflow);
        Assert.Contains("AWS_WEB_IDENTITY_TOKEN_FILE:", workflow);
        Assert.Contains("id-token: write", workflow);
        Assert.Contains("./slipway up -e production --yes --json", workflow);
    }
}
