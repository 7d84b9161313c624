using System.Text.Json.Nodes;
using Slipway.Configuration;

namespace Slipway.Platforms.Aws;

/// <summary>The network: the VPC, its subnets, routes and egress (NAT gateways or VPC endpoints), or an existing VPC.</summary>
public static partial class StackTemplate
{
    private static JsonNode Vpc(AppManifest app) => app.Aws().ExistingVpc is { } existing ? JsonValue.Create(existing.VpcId)! : Ref("Vpc");

    private static JsonArray PublicSubnets(AppManifest app) => app.Aws().ExistingVpc is { } existing
        ? new JsonArray(existing.PublicSubnetIds.Select(id => (JsonNode)JsonValue.Create(id)!).ToArray())
        : new JsonArray(Ref("PublicSubnet1"), Ref("PublicSubnet2"));

    private static JsonArray TaskSubnets(AppManifest app) => !app.Aws().PrivateSubnets ? PublicSubnets(app)
        : app.Aws().ExistingVpc is { } existing
            ? new JsonArray(existing.PrivateSubnetIds.Select(id => (JsonNode)JsonValue.Create(id)!).ToArray())
            : new JsonArray(Ref("PrivateSubnet1"), Ref("PrivateSubnet2"));

    /// <summary>The VPC and what routes it, unless an existing VPC is used; private subnets with their egress when asked.</summary>
    private static IEnumerable<(string, JsonObject)> Network(AppManifest app, JsonObject? release)
    {
        if (app.Aws().ExistingVpc is not null) yield break;
        yield return ("Vpc", Resource("AWS::EC2::VPC", new JsonObject
        {
            ["CidrBlock"] = app.Aws().VpcCidr, ["EnableDnsSupport"] = true, ["EnableDnsHostnames"] = true, ["Tags"] = NameTag(app, "vpc"),
        }));
        yield return ("InternetGateway", Resource("AWS::EC2::InternetGateway", new JsonObject { ["Tags"] = NameTag(app, "igw") }));
        yield return ("GatewayAttachment", Resource("AWS::EC2::VPCGatewayAttachment", new JsonObject
        {
            ["VpcId"] = Ref("Vpc"), ["InternetGatewayId"] = Ref("InternetGateway"),
        }));
        yield return ("PublicSubnet1", Subnet(app, 0, "public-1", isPublic: true));
        yield return ("PublicSubnet2", Subnet(app, 1, "public-2", isPublic: true));
        yield return ("PublicRouteTable", Resource("AWS::EC2::RouteTable", new JsonObject { ["VpcId"] = Ref("Vpc") }));
        yield return ("DefaultRoute", Resource("AWS::EC2::Route", new JsonObject
        {
            ["RouteTableId"] = Ref("PublicRouteTable"), ["DestinationCidrBlock"] = "0.0.0.0/0", ["GatewayId"] = Ref("InternetGateway"),
        }, "GatewayAttachment"));
        for (var i = 1; i <= 2; i++)
            yield return ($"PublicSubnet{i}Routes", Resource("AWS::EC2::SubnetRouteTableAssociation", new JsonObject
            {
                ["SubnetId"] = Ref($"PublicSubnet{i}"), ["RouteTableId"] = Ref("PublicRouteTable"),
            }));
        if (!app.Aws().PrivateSubnets) yield break;

        for (var i = 1; i <= 2; i++)
        {
            yield return ($"PrivateSubnet{i}", Subnet(app, i + 1, $"private-{i}", isPublic: false));
            yield return ($"PrivateRouteTable{i}", Resource("AWS::EC2::RouteTable", new JsonObject { ["VpcId"] = Ref("Vpc") }));
            yield return ($"PrivateSubnet{i}Routes", Resource("AWS::EC2::SubnetRouteTableAssociation", new JsonObject
            {
                ["SubnetId"] = Ref($"PrivateSubnet{i}"), ["RouteTableId"] = Ref($"PrivateRouteTable{i}"),
            }));
            if (app.Aws().Egress == EgressMode.Nat)
            {
                yield return ($"NatAddress{i}", Resource("AWS::EC2::EIP", new JsonObject { ["Domain"] = "vpc" }, "GatewayAttachment"));
                yield return ($"NatGateway{i}", Resource("AWS::EC2::NatGateway", new JsonObject
                {
                    ["AllocationId"] = GetAtt($"NatAddress{i}", "AllocationId"), ["SubnetId"] = Ref($"PublicSubnet{i}"),
                }));
                yield return ($"PrivateDefaultRoute{i}", Resource("AWS::EC2::Route", new JsonObject
                {
                    ["RouteTableId"] = Ref($"PrivateRouteTable{i}"), ["DestinationCidrBlock"] = "0.0.0.0/0", ["NatGatewayId"] = Ref($"NatGateway{i}"),
                }));
            }
        }
        if (app.Aws().Egress == EgressMode.Endpoints)
        {
            // What a Fargate task needs without internet access: pull from ECR (API, registry, layers in S3) and ship logs.
            yield return ("EndpointSecurityGroup", Resource("AWS::EC2::SecurityGroup", new JsonObject
            {
                ["GroupDescription"] = $"{app.App}: VPC endpoints, HTTPS from the tasks",
                ["VpcId"] = Ref("Vpc"),
                ["SecurityGroupIngress"] = new JsonArray(new JsonObject
                {
                    ["IpProtocol"] = "tcp", ["FromPort"] = 443, ["ToPort"] = 443, ["SourceSecurityGroupId"] = Ref("TaskSecurityGroup"),
                }),
            }));
            foreach (var (name, service) in EndpointServices(ReadsSecrets(app, release), app.Aws().Exec))
                yield return (name, Resource("AWS::EC2::VPCEndpoint", new JsonObject
                {
                    ["VpcId"] = Ref("Vpc"), ["VpcEndpointType"] = "Interface", ["PrivateDnsEnabled"] = true,
                    ["ServiceName"] = new JsonObject { ["Fn::Sub"] = $"com.amazonaws.${{AWS::Region}}.{service}" },
                    ["SubnetIds"] = new JsonArray(Ref("PrivateSubnet1"), Ref("PrivateSubnet2")),
                    ["SecurityGroupIds"] = new JsonArray(Ref("EndpointSecurityGroup")),
                }));
            yield return ("S3Endpoint", Resource("AWS::EC2::VPCEndpoint", new JsonObject
            {
                ["VpcId"] = Ref("Vpc"), ["VpcEndpointType"] = "Gateway",
                ["ServiceName"] = new JsonObject { ["Fn::Sub"] = "com.amazonaws.${AWS::Region}.s3" },
                ["RouteTableIds"] = new JsonArray(Ref("PrivateRouteTable1"), Ref("PrivateRouteTable2")),
            }));
        }
    }

    /// <summary>HTTP forwarding; with a certificate, HTTPS forwarding and HTTP redirecting to it.</summary>
    /// <summary>
    /// What a Fargate task reaches AWS through without internet access, one endpoint each: ECR's API and registry,
    /// CloudWatch Logs, and SSM Parameter Store when it has secrets (ECS reads them when a task starts).
    /// </summary>
    /// <summary>The interface endpoints private tasks reach AWS through: ECR and logs always, SSM for secrets, Session Manager's channels for ECS Exec.</summary>
    private static (string Name, string Service)[] EndpointServices(bool secrets, bool exec) =>
    [
        ("EcrApiEndpoint", "ecr.api"), ("EcrDockerEndpoint", "ecr.dkr"), ("LogsEndpoint", "logs"),
        .. secrets ? [("SsmEndpoint", "ssm")] : Array.Empty<(string, string)>(),
        .. exec ? [("SsmMessagesEndpoint", "ssmmessages")] : Array.Empty<(string, string)>(),
    ];


    private static JsonObject Subnet(AppManifest app, int index, string name, bool isPublic) => Resource("AWS::EC2::Subnet", new JsonObject
    {
        ["VpcId"] = Ref("Vpc"),
        ["CidrBlock"] = SubnetCidr(app.Aws().VpcCidr, index),
        ["AvailabilityZone"] = new JsonObject { ["Fn::Select"] = new JsonArray(index % 2, new JsonObject { ["Fn::GetAZs"] = "" }) },
        ["MapPublicIpOnLaunch"] = isPublic,
        ["Tags"] = NameTag(app, name),
    });

    /// <summary>
    /// The index-th subnet of the VPC, 8 bits longer (at most /28): 10.10.0.0/16 gives 10.10.0.0/24, 10.10.1.0/24.
    /// Computed here rather than with Fn::Cidr, so the template, a plan and drift show the subnets' addresses themselves.
    /// </summary>
    public static string SubnetCidr(string vpcCidr, int index)
    {
        var (address, prefix) = (vpcCidr.Split('/')[0], int.Parse(vpcCidr.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture));
        var subnetPrefix = Math.Min(prefix + 8, 28);
        var bytes = System.Net.IPAddress.Parse(address).GetAddressBytes();
        var value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        value = (value & (uint.MaxValue << (32 - prefix))) + (uint)index * (1u << (32 - subnetPrefix));
        return $"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}/{subnetPrefix}";
    }
}
