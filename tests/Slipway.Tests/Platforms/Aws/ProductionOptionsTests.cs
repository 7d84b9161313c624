using System.Text.Json.Nodes;
using Slipway.Foundation;
using Slipway.Configuration;
using Slipway.Platforms.Aws;
using Slipway.Tests.Support;

namespace Slipway.Tests.Platforms.Aws;

/// <summary>The AWS production options, from the manifest's aws: keys to the generated template.</summary>
[Trait("Tier", "unit")]
public sealed class ProductionOptionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public ProductionOptionsTests() => _dir.Write("Dockerfile", "FROM scratch\n");

    private AppManifest Load(string aws) =>
        Support.Manifests.Parse($"app: shop\nsource:\n  git: x\naws:\n{aws}", Path.Combine(_dir.Path, "slipway.yaml"));

    private JsonObject Resources(string aws) => Templates.Serving(Load(aws))["Resources"]!.AsObject();

    [Fact]
    public void Https_adds_a_tls_listener_redirects_http_and_opens_443()
    {
        var resources = Resources("  certificateArn: arn:aws:acm:eu-west-1:1:certificate/abc\n  dns:\n    hostedZoneId: Z123\n    name: shop.example.com\n");

        var https = resources["HttpsListener"]!["Properties"]!;
        Assert.Equal(443, (int)https["Port"]!);
        Assert.Equal("HTTPS", (string?)https["Protocol"]);
        Assert.Equal(StackTemplate.TlsPolicy, (string?)https["SslPolicy"]);
        Assert.Equal("arn:aws:acm:eu-west-1:1:certificate/abc", (string?)https["Certificates"]![0]!["CertificateArn"]);
        var http = resources["HttpListener"]!["Properties"]!["DefaultActions"]![0]!;
        Assert.Equal("redirect", (string?)http["Type"]);
        Assert.Equal("HTTPS", (string?)http["RedirectConfig"]!["Protocol"]);
        var ports = resources["LoadBalancerSecurityGroup"]!["Properties"]!["SecurityGroupIngress"]!.AsArray().Select(r => (int)r!["FromPort"]!);
        Assert.Equal([80, 443], ports);
        Assert.Equal(["HttpsListener", "GatewayAttachment"], resources["Service"]!["DependsOn"]!.AsArray().Select(d => (string)d!));
    }

    [Fact]
    public void A_dns_name_is_an_alias_to_the_load_balancer_and_the_public_url()
    {
        var app = Load("  certificateArn: arn:aws:acm:eu-west-1:1:certificate/abc\n  dns:\n    hostedZoneId: Z123\n    name: shop.example.com\n");
        var template = Templates.Serving(app);

        var record = template["Resources"]!["DnsRecord"]!["Properties"]!;
        Assert.Equal("Z123", (string?)record["HostedZoneId"]);
        Assert.Equal("shop.example.com", (string?)record["Name"]);
        Assert.Equal("LoadBalancer", (string?)record["AliasTarget"]!["DNSName"]!["Fn::GetAtt"]![0]);
        Assert.Equal("https://shop.example.com/", (string?)template["Outputs"]!["PublicUrl"]!["Value"]);
    }

    [Theory]
    [InlineData("endpoints")]
    [InlineData("nat")]
    public void Private_subnets_keep_tasks_off_the_internet_with_the_chosen_egress(string egress)
    {
        var resources = Resources($"  subnets: private\n  egress: {egress}\n");

        var network = resources["Service"]!["Properties"]!["NetworkConfiguration"]!["AwsvpcConfiguration"]!;
        Assert.Equal("DISABLED", (string?)network["AssignPublicIp"]);
        Assert.Equal(["PrivateSubnet1", "PrivateSubnet2"], network["Subnets"]!.AsArray().Select(s => (string?)s!["Ref"]));
        Assert.Equal(["PublicSubnet1", "PublicSubnet2"], resources["LoadBalancer"]!["Properties"]!["Subnets"]!.AsArray().Select(s => (string?)s!["Ref"]));
        Assert.False((bool)resources["PrivateSubnet1"]!["Properties"]!["MapPublicIpOnLaunch"]!);
        Assert.Equal("10.10.2.0/24", (string?)resources["PrivateSubnet1"]!["Properties"]!["CidrBlock"]);
        if (egress == "nat")
        {
            Assert.NotNull(resources["NatGateway1"]);
            Assert.NotNull(resources["NatGateway2"]);
            Assert.Null(resources["EcrApiEndpoint"]);
        }
        else
        {
            Assert.Null(resources["NatGateway1"]);
            foreach (var endpoint in new[] { "EcrApiEndpoint", "EcrDockerEndpoint", "LogsEndpoint", "S3Endpoint" })
                Assert.NotNull(resources[endpoint]);
            Assert.Equal("Gateway", (string?)resources["S3Endpoint"]!["Properties"]!["VpcEndpointType"]);
        }
    }

    [Fact]
    public void Private_subnets_with_endpoints_and_secrets_get_an_ssm_endpoint_to_read_them()
    {
        var withSecrets = Templates.Serving(Support.Manifests.Parse(
            "app: shop\nsource:\n  git: x\nsecrets:\n  API_TOKEN:\n    fromEnv: T\naws:\n  subnets: private\n  egress: endpoints\n",
            Path.Combine(_dir.Path, "slipway.yaml")))["Resources"]!.AsObject();

        Assert.Equal("com.amazonaws.${AWS::Region}.ssm", (string?)withSecrets["SsmEndpoint"]!["Properties"]!["ServiceName"]!["Fn::Sub"]);
        Assert.Null(Resources("  subnets: private\n  egress: endpoints\n")["SsmEndpoint"]); // no secrets, no endpoint to pay for
    }

    [Fact]
    public void An_existing_vpc_is_used_and_no_network_is_created()
    {
        var resources = Resources("  existingVpc:\n    vpcId: vpc-1\n    publicSubnetIds: [subnet-a, subnet-b]\n");

        Assert.Null(resources["Vpc"]);
        Assert.Null(resources["PublicSubnet1"]);
        Assert.Null(resources["InternetGateway"]);
        Assert.Equal("vpc-1", (string?)resources["TargetGroup"]!["Properties"]!["VpcId"]);
        Assert.Equal(["subnet-a", "subnet-b"], resources["LoadBalancer"]!["Properties"]!["Subnets"]!.AsArray().Select(s => (string?)s));
    }

    [Fact]
    public void Autoscaling_tracks_cpu_or_requests_between_min_and_max()
    {
        var cpu = Resources("  autoscaling:\n    min: 2\n    max: 6\n    targetCpu: 60\n");
        Assert.Equal(2, (int)cpu["ScalableTarget"]!["Properties"]!["MinCapacity"]!);
        Assert.Equal(6, (int)cpu["ScalableTarget"]!["Properties"]!["MaxCapacity"]!);
        var tracking = cpu["ScalingPolicy"]!["Properties"]!["TargetTrackingScalingPolicyConfiguration"]!;
        Assert.Equal(60, (int)tracking["TargetValue"]!);
        Assert.Equal("ECSServiceAverageCPUUtilization", (string?)tracking["PredefinedMetricSpecification"]!["PredefinedMetricType"]);

        var requests = Resources("  autoscaling:\n    max: 4\n    requestsPerTarget: 500\n");
        Assert.Equal("ALBRequestCountPerTarget",
            (string?)requests["ScalingPolicy"]!["Properties"]!["TargetTrackingScalingPolicyConfiguration"]!["PredefinedMetricSpecification"]!["PredefinedMetricType"]);
    }

    [Theory]
    [InlineData("  certificateArn: my-cert\n", "aws.certificateArn: \"my-cert\" is not an ACM certificate ARN")]
    [InlineData("  certificateArn: arn:aws:acm:eu-west-1:1:certificate/abc\n", "aws.certificateArn: needs aws.dns: HTTPS is served for the name the certificate is for")]
    [InlineData("  subnets: hidden\n", "aws.subnets: \"hidden\" is neither public nor private")]
    [InlineData("  egress: vpn\n", "aws.egress: \"vpn\" is neither endpoints nor nat")]
    [InlineData("  dns:\n    name: shop.example.com\n", "aws.dns.hostedZoneId: is required")]
    [InlineData("  existingVpc:\n    vpcId: vpc-1\n    publicSubnetIds: [a]\n", "aws.existingVpc.publicSubnetIds: needs two subnet IDs")]
    [InlineData("  subnets: private\n  existingVpc:\n    vpcId: vpc-1\n    publicSubnetIds: [a, b]\n", "aws.existingVpc.privateSubnetIds: is required with subnets: private")]
    [InlineData("  autoscaling:\n    min: 3\n    max: 2\n    targetCpu: 50\n", "aws.autoscaling.max: 2 is below min (3)")]
    [InlineData("  autoscaling:\n    max: 2\n", "aws.autoscaling: needs exactly one of targetCpu")]
    [InlineData("  cpu: 1024\n  memory: 512\n", "aws.memory: 512 MiB does not go with cpu 1024 on Fargate")]
    [InlineData("  cpu: 300\n", "aws.cpu: 300 is not a Fargate CPU size")]
    [InlineData("  logRetentionDays: 10\n", "aws.logRetentionDays: 10 is not a CloudWatch Logs retention period")]
    [InlineData("  vpcCidr: 10.0.0.0/24\n", "aws.vpcCidr: \"10.0.0.0/24\" is not an IPv4 CIDR block from /16 to /19")]
    [InlineData("  stackName: 1stack\n", "aws.stackName: \"1stack\" is not a valid CloudFormation stack name")]
    [InlineData("  egress: nat\n  existingVpc:\n    vpcId: vpc-1\n    publicSubnetIds: [a, b]\n", "aws.egress: does not apply with existingVpc")]
    public void Bad_production_options_name_the_key(string aws, string expected)
    {
        var error = Assert.Throws<SlipwayException>(() => Load(aws));
        Assert.Contains(expected, error.Message);
        Assert.Equal(2, error.ExitCode);
    }

    [Theory]
    [InlineData(8192, 16384)]
    [InlineData(16384, 122880)]
    [InlineData(2048, 9216)]
    public void Every_fargate_size_aws_documents_is_accepted(int cpu, int memory) =>
        Assert.Equal((cpu, memory), (Load($"  cpu: {cpu}\n  memory: {memory}\n").Aws().Cpu, Load($"  cpu: {cpu}\n  memory: {memory}\n").Aws().Memory));

    public void Dispose() => _dir.Dispose();
}
