using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;

namespace Crm.Host.Tests.Automation.Processes;

/// <summary>Graphs the process tests draw, and the calls they make.</summary>
public static class ProcessGraphs
{
    public const string Fields = "id entityType active { version name start graph allowConcurrentInstances } draft { version }";
    public const string InstanceFields = "id processId processVersion status startedVia error position steps { stepId kind status outcome error output } approvals { id status mode assignees { userId decision } }";

    public static object Step(string id, string kind, object? @params = null, object? position = null) => new { id, kind, @params = @params ?? new { }, position };

    public static object Edge(string from, string to, string? when = null) => new { from, to, when };

    public static object Graph(object[] steps, object[] edges) => new { steps, edges };

    /// <summary>start → the given steps in a row → end.</summary>
    public static object Line(params object[] steps)
    {
        var ids = new List<string> { "start" };
        ids.AddRange(steps.Select(s => (string)s.GetType().GetProperty("id")!.GetValue(s)!));
        ids.Add("end");
        return Graph([Step("start", "start"), .. steps, Step("end", "end")], [.. ids.Zip(ids.Skip(1), (a, b) => Edge(a, b))]);
    }

    public static object Comment(string id, string text) => Step(id, "action", new { kind = "timeline.addComment", @params = new { text } });

    public static object SetComments(string id, string text) => Step(id, "action", new { kind = "records.setFields", @params = new { fields = new { comments = text } } });

    public static async Task<JsonNode> CreateAsync(this CrmHost host, object input, string entityType = "DEAL") =>
        await host.MutateAsync("createBusinessProcess",
            $"mutation($t: CrmEntityType!, $input: BusinessProcessInput!) {{ createBusinessProcess(entityType: $t, input: $input) {{ process {{ {Fields} }} errors {{ code message path }} }} }}",
            new { t = entityType, input });

    /// <summary>Creates and activates the process; its id.</summary>
    public static async Task<string> ActiveProcessAsync(this CrmHost host, object input, string entityType = "DEAL")
    {
        var id = (await host.CreateAsync(input, entityType)).Ok()["process"]!["id"]!.GetValue<string>();
        (await host.MutateAsync("activateBusinessProcess", "mutation($id: ID!) { activateBusinessProcess(id: $id) { errors { code message path } } }", new { id })).Ok();
        return id;
    }

    public static async Task DeactivateProcessAsync(this CrmHost host, string id) =>
        (await host.MutateAsync("deactivateBusinessProcess", "mutation($id: ID!) { deactivateBusinessProcess(id: $id) { errors { code message path } } }", new { id })).Ok();

    public static Task<JsonNode> StartAsync(this CrmHost host, string processId, string recordId, string? apiKey = CrmHost.AdminKey) =>
        host.MutateAsync("startProcess", $"mutation($p: ID!, $r: ID!) {{ startProcess(processId: $p, recordId: $r) {{ instance {{ {InstanceFields} }} errors {{ code message path }} }} }}",
            new { p = processId, r = recordId }, apiKey);

    public static Task<JsonNode> SignalAsync(this CrmHost host, string instanceId, string name, object? payload = null) =>
        host.MutateAsync("signalProcess", $"mutation($i: ID!, $n: String!, $p: JSON) {{ signalProcess(instanceId: $i, name: $n, payload: $p) {{ instance {{ {InstanceFields} }} errors {{ code message path }} }} }}",
            new { i = instanceId, n = name, p = payload });

    public static async Task<List<JsonNode>> InstancesAsync(this CrmHost host, string recordId, string entityType = "DEAL") =>
        (await host.QueryAsync($"query($t: CrmEntityType!, $id: ID!) {{ processInstances(where: {{ entityType: $t, entityId: $id }}) {{ {InstanceFields} }} }}", new { t = entityType, id = recordId }))
            .ShouldSucceed().Data!["processInstances"]!.AsArray().Select(i => i!).ToList();

    public static async Task<JsonNode> InstanceAsync(this CrmHost host, string recordId, string instanceId) =>
        Assert.Single(await host.InstancesAsync(recordId), i => i["id"]!.GetValue<string>() == instanceId);

    public static async Task<string?> CommentsAsync(this CrmHost host, string dealId) =>
        (await host.QueryAsync("query($id: ID!) { deal(id: $id) { comments } }", new { id = dealId })).ShouldSucceed().Data!["deal"]!["comments"]?.GetValue<string>();

    public static async Task<string> MyIdAsync(this CrmHost host, string? apiKey = CrmHost.AdminKey) =>
        (await host.QueryAsync("{ me { id } }", null, apiKey)).ShouldSucceed().Data!["me"]!["id"]!.GetValue<string>();

    public static string Str(this JsonNode? node) => node!.GetValue<string>();
}
