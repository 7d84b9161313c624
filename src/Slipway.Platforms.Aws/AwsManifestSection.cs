using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>Reads the aws: section and its production options.</summary>
public static class AwsManifestSection
{
    private static string? ReadCertificate(MappingReader reader)
    {
        var certificate = reader.OptionalString("certificateArn");
        if (certificate is not null && !certificate.Value.StartsWith("arn:aws", StringComparison.Ordinal))
            throw ManifestLoader.Invalid(reader.File, certificate.Line, "aws.certificateArn", $"\"{certificate.Value}\" is not an ACM certificate ARN",
                "use arn:aws:acm:<region>:<account>:certificate/<id>");
        return certificate?.Value;
    }

    private static DnsSpec? ReadDns(MappingReader? reader)
    {
        if (reader is null) return null;
        var zone = reader.RequiredString("hostedZoneId");
        var name = reader.RequiredString("name");
        if (!ManifestLoader.HostPattern().IsMatch(name.Value.TrimEnd('.')))
            throw ManifestLoader.Invalid(reader.File, name.Line, "aws.dns.name", $"\"{name.Value}\" is not a valid DNS name");
        reader.RejectUnknownKeys();
        return new DnsSpec(zone.Value, name.Value.TrimEnd('.'));
    }

    private static bool ReadSubnets(MappingReader reader) => reader.OptionalString("subnets") switch
    {
        null => false,
        { Value: "public" } => false,
        { Value: "private" } => true,
        var other => throw ManifestLoader.Invalid(reader.File, other.Line, "aws.subnets", $"\"{other.Value}\" is neither public nor private"),
    };

    private static EgressMode ReadEgress(MappingReader reader) => reader.OptionalString("egress") switch
    {
        null or { Value: "endpoints" } => EgressMode.Endpoints,
        { Value: "nat" } => EgressMode.Nat,
        var other => throw ManifestLoader.Invalid(reader.File, other.Line, "aws.egress", $"\"{other.Value}\" is neither endpoints nor nat",
            "endpoints (VPC endpoints for ECR, S3 and CloudWatch Logs) is the cheaper choice"),
    };

    private static ExistingVpcSpec? ReadExistingVpc(MappingReader? reader)
    {
        if (reader is null) return null;
        var vpc = reader.RequiredString("vpcId");
        IReadOnlyList<string> Subnets(string key, bool required)
        {
            var list = reader.OptionalList(key);
            if (list is null && !required) return [];
            if (list is null || list.Count != 2)
                throw ManifestLoader.Invalid(reader.File, reader.Line, $"aws.existingVpc.{key}", "needs two subnet IDs, in two availability zones");
            return list;
        }
        var spec = new ExistingVpcSpec(vpc.Value, Subnets("publicSubnetIds", required: true), Subnets("privateSubnetIds", required: false));
        reader.RejectUnknownKeys();
        return spec;
    }

    private static AutoscalingSpec? ReadAutoscaling(MappingReader? reader)
    {
        if (reader is null) return null;
        var min = reader.OptionalInt("min", 1, 100) ?? 1;
        var max = reader.OptionalInt("max", 1, 100) ?? 4;
        var cpu = reader.OptionalInt("targetCpu", 10, 95);
        var requests = reader.OptionalInt("requestsPerTarget", 1, 100_000);
        if (max < min) throw ManifestLoader.Invalid(reader.File, reader.Line, "aws.autoscaling.max", $"{max} is below min ({min})");
        if ((cpu is null) == (requests is null))
            throw ManifestLoader.Invalid(reader.File, reader.Line, "aws.autoscaling", "needs exactly one of targetCpu: (percent) or requestsPerTarget:");
        reader.RejectUnknownKeys();
        return new AutoscalingSpec(min, max, cpu, requests);
    }

    private static CpuArchitecture ReadArchitecture(MappingReader reader) => reader.OptionalString("architecture") switch
    {
        null or { Value: "x86_64" } => CpuArchitecture.X86_64,
        { Value: "arm64" } => CpuArchitecture.Arm64,
        var other => throw ManifestLoader.Invalid(reader.File, other.Line, "aws.architecture", $"\"{other.Value}\" is not a Fargate CPU architecture",
            "use x86_64 (the default) or arm64 (Graviton)"),
    };

    public static AwsSpec Read(MappingReader? reader)
    {
        if (reader is null) return new AwsSpec();
        var defaults = new AwsSpec();
        var region = reader.OptionalString("region");
        var stack = reader.OptionalString("stackName");
        if (stack is not null && !System.Text.RegularExpressions.Regex.IsMatch(stack.Value, "^[A-Za-z][A-Za-z0-9-]{0,127}$"))
            throw ManifestLoader.Invalid(reader.File, stack.Line, "aws.stackName", $"\"{stack.Value}\" is not a valid CloudFormation stack name");
        var cidr = reader.OptionalString("vpcCidr");
        if (cidr is not null && !System.Text.RegularExpressions.Regex.IsMatch(cidr.Value, @"^\d{1,3}(\.\d{1,3}){3}/(1[6-9])$"))
            throw ManifestLoader.Invalid(reader.File, cidr.Line, "aws.vpcCidr", $"\"{cidr.Value}\" is not an IPv4 CIDR block from /16 to /{AwsLimits.LargestVpcPrefix}",
                "its subnets are 8 bits longer, and a load balancer's subnet must be /27 or larger: e.g. 10.10.0.0/16");
        var cpu = reader.OptionalInt("cpu", 256, 16384);
        if (cpu is not null && !AwsLimits.FargateCpu.Contains(cpu.Value))
            throw ManifestLoader.Invalid(reader.File, reader.Line, "aws.cpu", $"{cpu} is not a Fargate CPU size", $"use one of {string.Join(", ", AwsLimits.FargateCpu)}");
        var memory = reader.OptionalInt("memory", 512, 122880);
        var sizes = AwsLimits.FargateMemory(cpu ?? defaults.Cpu);
        if (memory is not null && !sizes.Contains(memory.Value))
            throw ManifestLoader.Invalid(reader.File, reader.Line, "aws.memory", $"{memory} MiB does not go with cpu {cpu ?? defaults.Cpu} on Fargate",
                $"with cpu {cpu ?? defaults.Cpu}, use {AwsLimits.Describe(sizes)}");
        var retention = reader.OptionalInt("logRetentionDays", 1, 3653);
        if (retention is not null && !AwsLimits.LogRetentionDays.Contains(retention.Value))
            throw ManifestLoader.Invalid(reader.File, reader.Line, "aws.logRetentionDays", $"{retention} is not a CloudWatch Logs retention period",
                $"use one of {string.Join(", ", AwsLimits.LogRetentionDays)}");
        var spec = new AwsSpec
        {
            Region = region?.Value,
            StackName = stack?.Value,
            VpcCidr = cidr?.Value ?? defaults.VpcCidr,
            Cpu = cpu ?? defaults.Cpu,
            Memory = memory ?? defaults.Memory,
            ListenerPort = reader.OptionalInt("listenerPort", 1, 65535) ?? defaults.ListenerPort,
            ImagesKept = reader.OptionalInt("imagesKept", 1, 1000) ?? defaults.ImagesKept,
            LogRetentionDays = retention ?? defaults.LogRetentionDays,
            CertificateArn = ReadCertificate(reader),
            Dns = ReadDns(reader.OptionalMapping("dns")),
            PrivateSubnets = ReadSubnets(reader),
            Egress = ReadEgress(reader),
            ExistingVpc = ReadExistingVpc(reader.OptionalMapping("existingVpc")),
            Autoscaling = ReadAutoscaling(reader.OptionalMapping("autoscaling")),
            Architecture = ReadArchitecture(reader),
            Exec = reader.OptionalBool("exec") ?? false,
        };
        reader.RejectUnknownKeys();
        // The load balancer's own name (*.elb.amazonaws.com) is on no certificate ACM issues: every check, and every
        // visitor, would be refused the certificate.
        if (spec is { CertificateArn: not null, Dns: null })
            throw ManifestLoader.Invalid(reader.File, reader.Line, "aws.certificateArn", "needs aws.dns: HTTPS is served for the name the certificate is for",
                "add aws.dns with the hosted zone and the name the certificate covers");
        if (spec.ExistingVpc is not null && reader.Keys().Any(k => k.Key == "egress"))
            throw ManifestLoader.Invalid(reader.File, reader.Line, "aws.egress", "does not apply with existingVpc: the VPC's own routes decide how tasks reach AWS",
                "remove aws.egress, or let Slipway create the VPC");
        if (spec is { PrivateSubnets: true, ExistingVpc.PrivateSubnetIds.Count: 0 })
            throw ManifestLoader.Invalid(reader.File, reader.Line, "aws.existingVpc.privateSubnetIds", "is required with subnets: private",
                "list two private subnets of the VPC, in two availability zones");
        return spec;
    }
}
