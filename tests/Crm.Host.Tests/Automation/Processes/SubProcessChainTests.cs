using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using static Crm.Host.Tests.Automation.Processes.ProcessGraphs;

namespace Crm.Host.Tests.Automation.Processes;

/// <summary>
/// Sub-process chains are checked when a process is saved and when it is activated: through the
/// active versions of the others, no chain is longer than three processes (counting those that start
/// the one saved) nor comes back on itself; the refusal names the step.
/// </summary>
public abstract class SubProcessChainTests(AutomationHost fixture)
{
    private const string Update = "mutation($id: ID!, $input: BusinessProcessInput!) { updateBusinessProcess(id: $id, input: $input) { process { id } errors { code message path } } }";
    private const string Activate = "mutation($id: ID!) { activateBusinessProcess(id: $id) { process { active { version } } errors { code message path } } }";

    private CrmHost Host => fixture.Host;

    private static object Starting(string name, string stepId, string child) =>
        new { name, graph = Line(Step(stepId, "subProcess", new { processId = long.Parse(child, System.Globalization.CultureInfo.InvariantCulture) })) };

    private static object Leaf(string name) => new { name, graph = Line(Comment("note", name)) };

    private static (string Code, string Message, string Path) Refusal(JsonNode payload)
    {
        var error = Assert.Single(payload["errors"]!.AsArray())!;
        return (error["code"].Str(), error["message"].Str(), string.Join('.', error["path"]!.AsArray().Select(p => p!.ToString())));
    }

    [Fact]
    public async Task A_chain_longer_than_three_or_a_cycle_is_refused_when_saved_naming_the_step()
    {
        var c = await Host.ActiveProcessAsync(Leaf("C"));
        var b = await Host.ActiveProcessAsync(Starting("B", "toC", c));
        var a = await Host.ActiveProcessAsync(Starting("A", "toB", b));

        // D → A → B → C: four processes.
        var (code, message, path) = Refusal(await Host.CreateAsync(Starting("D", "toA", a)));
        Assert.Equal(("LIMIT_EXCEEDED", "input.graph.steps.1.params.processId"), (code, path));
        Assert.Contains("Step 'toA'", message, StringComparison.Ordinal);
        Assert.Contains("4 processes", message, StringComparison.Ordinal);

        // C → A closes A → B → C → A; and C → B would make A → B → C → B.
        (code, message, path) = Refusal(await Host.MutateAsync("updateBusinessProcess", Update, new { id = c, input = Starting("C again", "back", a) }));
        Assert.Equal(("INVALID_VALUE", "input.graph.steps.1.params.processId"), (code, path));
        Assert.Contains("Step 'back'", message, StringComparison.Ordinal);
        Assert.Contains("cycle", message, StringComparison.Ordinal);
        Assert.Equal("INVALID_VALUE", Refusal(await Host.MutateAsync("updateBusinessProcess", Update, new { id = c, input = Starting("C again", "back", b) })).Code);

        // Below the limit still saves: E → B → C is three.
        (await Host.CreateAsync(Starting("E", "toB", b))).Ok();
        foreach (var id in new[] { a, b, c })
        {
            await Host.DeactivateProcessAsync(id);
        }
    }

    [Fact]
    public async Task A_draft_whose_chain_grew_since_it_was_saved_is_refused_at_activation()
    {
        var leaf = await Host.ActiveProcessAsync(Leaf("L"));
        var middle = await Host.ActiveProcessAsync(Starting("M", "toL", leaf));
        // X → M → L: three, so the draft saves.
        var x = (await Host.CreateAsync(Starting("X", "toM", middle))).Ok()["process"]!["id"].Str();

        // M now starts K, which starts L: no active process starts M, so M's new version is fine alone.
        var k = await Host.ActiveProcessAsync(Starting("K", "toL", leaf));
        (await Host.MutateAsync("updateBusinessProcess", Update, new { id = middle, input = Starting("M via K", "toK", k) })).Ok();
        (await Host.MutateAsync("activateBusinessProcess", Activate, new { id = middle })).Ok();

        var (code, message, path) = Refusal(await Host.MutateAsync("activateBusinessProcess", Activate, new { id = x }));
        Assert.Equal(("LIMIT_EXCEEDED", "id"), (code, path));
        Assert.Contains("Step 'toM'", message, StringComparison.Ordinal);
        foreach (var id in new[] { leaf, middle, k })
        {
            await Host.DeactivateProcessAsync(id);
        }
    }
}

[Trait("Engine", "Sqlite")]
public sealed class SubProcessChainOnSqlite(AutomationSqliteHost fixture) : SubProcessChainTests(fixture), IClassFixture<AutomationSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class SubProcessChainOnPostgres(AutomationPostgresHost fixture) : SubProcessChainTests(fixture), IClassFixture<AutomationPostgresHost>;
