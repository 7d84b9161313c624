namespace Slipway.Platforms.Aws;

/// <summary>Settings of the aws platform; every one has a default.</summary>
public sealed record AwsSpec
{
    /// <summary>Null: AWS_REGION or AWS_DEFAULT_REGION.</summary>
    public string? Region { get; init; }
    /// <summary>Null: <c>slipway-&lt;app&gt;</c>.</summary>
    public string? StackName { get; init; }
    public string VpcCidr { get; init; } = "10.10.0.0/16";
    /// <summary>Fargate task size: CPU units and memory in MiB (a valid Fargate pair).</summary>
    public int Cpu { get; init; } = 256;
    public int Memory { get; init; } = 512;
    public int ListenerPort { get; init; } = 80;
    /// <summary>How many images the ECR lifecycle policy keeps.</summary>
    public int ImagesKept { get; init; } = 10;
    public int LogRetentionDays { get; init; } = 14;
    /// <summary>An ACM certificate: HTTPS on 443, HTTP redirected to it. Null: HTTP only.</summary>
    public string? CertificateArn { get; init; }
    public DnsSpec? Dns { get; init; }
    /// <summary>Tasks in private subnets (no public IP) with egress through NAT gateways or VPC endpoints.</summary>
    public bool PrivateSubnets { get; init; }
    public EgressMode Egress { get; init; } = EgressMode.Endpoints;
    public ExistingVpcSpec? ExistingVpc { get; init; }
    public AutoscalingSpec? Autoscaling { get; init; }
    /// <summary>The CPU architecture images are built for and Fargate runs them on.</summary>
    public CpuArchitecture Architecture { get; init; } = CpuArchitecture.X86_64;
    /// <summary>ECS Exec into the service's tasks (<c>slipway exec</c>): a task role for Session Manager's channels, and the service allowing it.</summary>
    public bool Exec { get; init; }
}

public enum EgressMode { Endpoints, Nat }

public enum CpuArchitecture { X86_64, Arm64 }

public static class CpuArchitectures
{
    /// <summary>The engine's build platform, as in <c>docker build --platform</c>.</summary>
    public static string BuildPlatform(this CpuArchitecture architecture) => architecture == CpuArchitecture.Arm64 ? "linux/arm64" : "linux/amd64";

    /// <summary>ECS's RuntimePlatform.CpuArchitecture value.</summary>
    public static string EcsName(this CpuArchitecture architecture) => architecture == CpuArchitecture.Arm64 ? "ARM64" : "X86_64";
}

/// <summary>A Route 53 alias record to the load balancer.</summary>
public sealed record DnsSpec(string HostedZoneId, string Name);

/// <summary>Use a VPC that exists: only what is missing (security groups, load balancer, service...) is created.</summary>
public sealed record ExistingVpcSpec(string VpcId, IReadOnlyList<string> PublicSubnetIds, IReadOnlyList<string> PrivateSubnetIds);

/// <summary>Target tracking on CPU (percent) or requests per target, between Min and Max tasks.</summary>
public sealed record AutoscalingSpec(int Min, int Max, int? TargetCpuPercent, int? RequestsPerTarget);
