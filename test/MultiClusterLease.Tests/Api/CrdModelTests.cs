using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using MultiClusterLease.Kubernetes.Api.V1Alpha1;
using YamlDotNet.RepresentationModel;

namespace MultiClusterLease.Tests.Api;

public sealed class CrdModelTests
{
    private static YamlMappingNode Schema()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "config", "crd", "bases", "multicluster.core.cnrm.cloud.google.com_multiclusterleases.yaml");
        var stream = new YamlStream();
        using var reader = File.OpenText(path);
        stream.Load(reader);
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        var version = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)root["spec"])["versions"])[0];
        return (YamlMappingNode)((YamlMappingNode)version["schema"])["openAPIV3Schema"];
    }

    private static IEnumerable<string> YamlProperties(YamlMappingNode schema, params string[] path)
    {
        var node = schema;
        foreach (var part in path)
        {
            node = (YamlMappingNode)((YamlMappingNode)node["properties"])[part];
        }

        return ((YamlMappingNode)node["properties"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!);
    }

    private static IEnumerable<string> JsonProperties(Type type)
        => type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
            .Where(n => n is not null)!;

    [Theory]
    [InlineData(typeof(V1Alpha1MultiClusterLeaseSpec), "spec")]
    [InlineData(typeof(V1Alpha1MultiClusterLeaseStatus), "status")]
    public void ModelMatchesSchema(Type type, string section)
        => Assert.Equal(YamlProperties(Schema(), section).Order(), JsonProperties(type).Order());

    [Fact]
    public void ConditionMatchesSchema()
    {
        var schema = Schema();
        var conditions = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)schema["properties"])["status"])["properties"])["conditions"];
        var items = (YamlMappingNode)conditions["items"];
        var names = ((YamlMappingNode)items["properties"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!);
        Assert.Equal(names.Order(), JsonProperties(typeof(V1Condition)).Order());
    }

    [Fact]
    public void KeepsEveryFieldOfTheGoImplementation()
    {
        // Field names of gke-labs/multicluster-leader-election's v1alpha1 API: CRs written for it stay valid.
        string[] goSpec = ["holderIdentity", "leaseDurationSeconds", "renewDeadlineSeconds", "renewTime", "retryPeriodSeconds"];
        string[] goStatus = ["conditions", "globalHolderIdentity", "globalLeaseDurationSeconds", "globalLeaseTransitions", "globalRenewTime", "observedGeneration"];
        Assert.Empty(goSpec.Except(YamlProperties(Schema(), "spec")));
        Assert.Empty(goStatus.Except(YamlProperties(Schema(), "status")));
    }

    [Fact]
    public void IsAKubernetesEntityOfTheCrdsGroupVersionAndKind()
    {
        var entity = typeof(V1Alpha1MultiClusterLease).GetCustomAttribute<KubernetesEntityAttribute>()!;
        var crd = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "config", "crd", "bases", "multicluster.core.cnrm.cloud.google.com_multiclusterleases.yaml"));
        Assert.Contains($"group: {entity.Group}", crd);
        Assert.Contains($"kind: {entity.Kind}", crd);
        Assert.Contains($"plural: {entity.PluralName}", crd);
        Assert.Contains($"name: {entity.ApiVersion}", crd);
        Assert.Equal($"{entity.Group}/{entity.ApiVersion}", new V1Alpha1MultiClusterLease().ApiVersion);
    }

    [Fact]
    public void SerializesWithTheOfficialClientsSettings_MicroTimeAlwaysWithSixFractionalDigits()
    {
        var whole = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var lease = new V1Alpha1MultiClusterLease
        {
            Metadata = new V1ObjectMeta { Name = "x", NamespaceProperty = "default" },
            Spec = new V1Alpha1MultiClusterLeaseSpec { HolderIdentity = "a", RenewTime = whole },
            Status = new V1Alpha1MultiClusterLeaseStatus { GlobalRenewTime = whole.AddTicks(15), Conditions = [new V1Condition { Type = "SpecValid", Status = "True", Reason = "Valid", Message = "", LastTransitionTime = whole.UtcDateTime }] },
        };
        // The need for our converter: the official client's settings drop the fraction of a whole-second time.
        Assert.Equal("2026-01-02T03:04:05Z", JsonNode.Parse(KubernetesJson.Serialize(new V1LeaseSpec { RenewTime = whole.UtcDateTime }))!["renewTime"]!.GetValue<string>());

        var json = JsonNode.Parse(KubernetesJson.Serialize(lease))!;
        Assert.Equal("2026-01-02T03:04:05.000000Z", json["spec"]!["renewTime"]!.GetValue<string>());
        Assert.Equal("2026-01-02T03:04:05.000001Z", json["status"]!["globalRenewTime"]!.GetValue<string>());
        Assert.Equal("2026-01-02T03:04:05Z", json["status"]!["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>());
        Assert.Equal("default", json["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Null(json["spec"]!["lockName"]);

        var back = KubernetesJson.Deserialize<V1Alpha1MultiClusterLease>(json.ToJsonString());
        Assert.Equal(whole, back.Spec!.RenewTime);
        Assert.Equal("x", back.Metadata.Name);
    }
}
