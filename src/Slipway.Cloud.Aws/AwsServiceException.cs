using Slipway.Foundation;

namespace Slipway.Cloud.Aws;

/// <summary>An error answered by an AWS service: its code (e.g. <c>AccessDenied</c>, <c>ValidationError</c>) and message.</summary>
/// <param name="action">The IAM action of the request that failed (e.g. <c>ecs:DescribeServices</c>), when known.</param>
public sealed class AwsServiceException(string service, string code, string message, int status, string? action = null)
    : Exception($"{service}: {code}: {message}")
{
    public string? Action { get; } = action;

    public AwsServiceException WithAction(string iamAction) => new(Service, Code, AwsMessage, Status, iamAction);

    public string Service { get; } = service;
    public string Code { get; } = code;
    public string AwsMessage { get; } = message;
    public int Status { get; } = status;

    public bool IsThrottling => Code is "Throttling" or "ThrottlingException" or "TooManyRequestsException" or "RequestLimitExceeded"
        || Status == 429;

    public bool IsAccessDenied => Code is "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation"
        or "UnrecognizedClientException" or "InvalidClientTokenId" or "SignatureDoesNotMatch" or "ExpiredToken" or "ExpiredTokenException";

    /// <summary>The credentials themselves were refused (unknown, expired, badly signed), rather than one permission.</summary>
    public bool IsCredentialProblem => Code is "UnrecognizedClientException" or "InvalidClientTokenId" or "SignatureDoesNotMatch"
        or "ExpiredToken" or "ExpiredTokenException";

    /// <summary>The one-line error a user sees, with what to do about it.</summary>
    public SlipwayException ToUserError(string doing) => IsAccessDenied
        ? new SlipwayException(ErrorCode.AwsAccessDenied,
            $"{doing}: AWS denied {(Action is null ? "the request" : Action)} ({Code}): {AwsMessage}",
            (IsCredentialProblem ? "check the credentials (aws sts get-caller-identity)"
                : $"grant {Action ?? "the action"} to the deploying identity")
            + ": slipway package -e aws --policy writes the policy this app needs (deploy/aws/iam-policy.json)")
        : new SlipwayException(ErrorCode.AwsRequestFailed, $"{doing}: {Service} answered {Code}: {AwsMessage}",
            "see the message; run again once it is fixed: every step converges");
}

/// <summary>An AWS endpoint that did not answer (refused, unresolvable, timed out) after every retry.</summary>
public sealed class AwsUnreachableException(Uri endpoint, Exception inner)
    : Exception($"AWS did not answer at {endpoint.GetLeftPart(UriPartial.Authority)}: {inner.Message}", inner)
{
    public Uri Endpoint { get; } = endpoint;
}
