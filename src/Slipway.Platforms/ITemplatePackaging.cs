using Slipway.Configuration;

namespace Slipway.Platforms;

/// <summary>A platform whose infrastructure is a template (aws: the CloudFormation stack) that can be written out for review or linting.</summary>
public interface ITemplatePackaging
{
    /// <summary>The template a deploy of <paramref name="version"/> applies; pure, it calls nothing.</summary>
    string RenderTemplate(AppManifest app, string version);

    /// <summary>The least-privilege IAM policy a deployer of this app needs, for its stack's name; pure.</summary>
    string RenderDeployPolicy(AppManifest app);
}
