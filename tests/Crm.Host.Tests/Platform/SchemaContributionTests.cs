using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.PluginSdk.GraphQL;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Platform;

/// <summary>A module whose part of the schema throws is left out of it; the rest is served.</summary>
[Trait("Engine", "Sqlite")]
public sealed class SchemaContributionTests
{
    private sealed class ThrowingContributor : ISchemaContributor
    {
        public void Contribute(SchemaComposer composer)
        {
            composer.Query.AddField(new global::GraphQL.Types.FieldType { Name = "halfAdded", Type = typeof(global::GraphQL.Types.StringGraphType) });
            throw new InvalidOperationException("this module is broken");
        }
    }

    [Fact]
    public async Task The_host_starts_without_the_failing_part()
    {
        await using var host = await CrmHost.StartAsync(Engine.Sqlite);
        await using var withBroken = host.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<ISchemaContributor, ThrowingContributor>()));
        using var client = withBroken.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", CrmHost.AdminKey);
        var response = await client.PostAsync("/graphql", new StringContent("""{"query":"{ modules { id } __type(name: \"Query\") { fields { name } } }"}""", Encoding.UTF8, "application/json"));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Null(body["errors"]);
        var fields = body["data"]!["__type"]!["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("contacts", fields);
        Assert.DoesNotContain("halfAdded", fields);
    }
}
