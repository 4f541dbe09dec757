using System.Reflection;
using System.Text.Json.Serialization;
using MultiClusterLease.Kubernetes.Api.Meta;
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
    [InlineData(typeof(MultiClusterLeaseSpec), "spec")]
    [InlineData(typeof(MultiClusterLeaseStatus), "status")]
    public void ModelMatchesSchema(Type type, string section)
        => Assert.Equal(YamlProperties(Schema(), section).Order(), JsonProperties(type).Order());

    [Fact]
    public void ConditionMatchesSchema()
    {
        var schema = Schema();
        var conditions = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)((YamlMappingNode)schema["properties"])["status"])["properties"])["conditions"];
        var items = (YamlMappingNode)conditions["items"];
        var names = ((YamlMappingNode)items["properties"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!);
        Assert.Equal(names.Order(), JsonProperties(typeof(Condition)).Order());
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
}
