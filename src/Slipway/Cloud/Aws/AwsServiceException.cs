using Slipway.Common;

namespace Slipway.Cloud.Aws;

/// <summary>An error answered by an AWS service: its code (e.g. <c>AccessDenied</c>, <c>ValidationError</c>) and message.</summary>
public sealed class AwsServiceException(string service, string code, string message, int status) : Exception($"{service}: {code}: {message}")
{
    public string Service { get; } = service;
    public string Code { get; } = code;
    public string AwsMessage { get; } = message;
    public int Status { get; } = status;

    public bool IsThrottling => Code is "Throttling" or "ThrottlingException" or "TooManyRequestsException" or "RequestLimitExceeded"
        || Status == 429;

    public bool IsAccessDenied => Code is "AccessDenied" or "AccessDeniedException" or "UnauthorizedOperation"
        or "UnrecognizedClientException" or "InvalidClientTokenId" or "SignatureDoesNotMatch" or "ExpiredToken" or "ExpiredTokenException";

    /// <summary>The one-line error a user sees, with what to do about it.</summary>
    public SlipwayException ToUserError(string doing) => IsAccessDenied
        ? new SlipwayException(ErrorCode.AwsAccessDenied, $"{doing}: AWS refused the credentials or the permission ({Code}): {AwsMessage}",
            "check the credentials (aws sts get-caller-identity) and that the IAM policy in deploy/aws/iam-policy.json is attached")
        : new SlipwayException(ErrorCode.AwsRequestFailed, $"{doing}: {Service} answered {Code}: {AwsMessage}",
            "see the message; run again once it is fixed: every step converges");
}
