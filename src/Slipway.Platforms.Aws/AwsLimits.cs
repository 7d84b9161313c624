namespace Slipway.Platforms.Aws;

/// <summary>
/// What AWS accepts, checked when the manifest loads so a bad value is one line and a hint instead of a failed
/// stack minutes later. Each table is AWS's documented one:
/// <list type="bullet">
/// <item>Fargate task sizes: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html</item>
/// <item>log retention: the RetentionInDays values of PutRetentionPolicy (CloudWatch Logs API reference)</item>
/// <item>load balancer subnets "must have a CIDR block with at least a /27 bitmask":
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#subnets-load-balancer</item>
/// </list>
/// </summary>
public static class AwsLimits
{
    public static readonly int[] LogRetentionDays =
        [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

    /// <summary>The memory sizes (MiB) Fargate offers with a CPU size, or none for a CPU size it does not have.</summary>
    public static IReadOnlyList<int> FargateMemory(int cpu) => cpu switch
    {
        256 => [512, 1024, 2048],
        512 => [1024, 2048, 3072, 4096],
        1024 => [2048, 3072, 4096, 5120, 6144, 7168, 8192],
        2048 => Steps(4096, 16384, 1024),
        4096 => Steps(8192, 30720, 1024),
        8192 => Steps(16384, 61440, 4096),
        16384 => Steps(32768, 122880, 8192),
        _ => [],
    };

    public static readonly int[] FargateCpu = [256, 512, 1024, 2048, 4096, 8192, 16384];

    /// <summary>
    /// The VPC's subnets are carved 8 bits longer than it (at most /28); a load balancer's subnet needs /27 or
    /// larger, so a VPC Slipway creates must be /19 or larger.
    /// </summary>
    public const int LargestVpcPrefix = 19;

    /// <summary>How a memory list reads in a hint: "512, 1024, 2048", or "4096 to 16384 in steps of 1024".</summary>
    public static string Describe(IReadOnlyList<int> sizes) => sizes.Count <= 7
        ? string.Join(", ", sizes)
        : $"{sizes[0]} to {sizes[^1]} in steps of {sizes[1] - sizes[0]}";

    private static int[] Steps(int from, int to, int step) => Enumerable.Range(0, (to - from) / step + 1).Select(i => from + i * step).ToArray();
}
