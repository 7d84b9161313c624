using System.Text.Json.Nodes;
using Slipway.Configuration;
using Slipway.Platforms.Aws;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>Templates of an app serving a release, as a deploy renders them.</summary>
internal static class Templates
{
    public const string Version = "0a1b2c3";
    public const string Fingerprint = "f1f2f3f4f5f6";

    public static JsonObject Serving(AppManifest app) => StackTemplate.Build(app, StackTemplate.Release(app, Version, Fingerprint));

    public static string ServingText(AppManifest app) => StackTemplate.Render(app, StackTemplate.Release(app, Version, Fingerprint));
}
