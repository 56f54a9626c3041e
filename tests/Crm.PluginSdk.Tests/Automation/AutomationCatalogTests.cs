using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Tests.Automation;

/// <summary>The catalog's names (namespaced, first come keeps it) and the automation channel that names a rule in history.</summary>
public sealed class AutomationCatalogTests
{
    private sealed class NamedAction(string name) : IAutomationActionKind
    {
        public string Name => name;

        public string Description => "A test kind.";

        public IReadOnlyList<AutomationParameter> Parameters => [];

        public bool AppliesTo(ICrmEntityDefinition recordType) => true;

        public Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken) => Task.FromResult(ActionOutcome.Success(null));
    }

    [Theory]
    [InlineData("records.setFields", true)]
    [InlineData("acme_quotes.sendQuote", true)]
    [InlineData("a.b.c", true)]
    [InlineData("setFields", false)]
    [InlineData("Records.setFields", false)]
    [InlineData("records.set-fields", false)]
    [InlineData("records.", false)]
    [InlineData("", false)]
    public void A_kind_name_is_a_lower_case_namespace_a_dot_and_a_camel_case_name(string name, bool wellFormed) =>
        Assert.Equal(wellFormed, AutomationCatalog.IsWellFormedName(name));

    [Fact]
    public void A_name_longer_than_100_characters_is_refused() =>
        Assert.False(AutomationCatalog.IsWellFormedName("acme." + new string('a', 96)));

    [Fact]
    public void The_platform_s_kinds_come_first_and_a_taken_or_malformed_name_is_left_out_with_its_reason()
    {
        var services = new ServiceCollection().AddAutomationCatalog();
        services.AddSingleton<IAutomationActionKind>(new NamedAction("records.setFields"));
        services.AddSingleton<IAutomationActionKind>(new NamedAction("Bad name"));
        services.AddSingleton<IAutomationActionKind>(new NamedAction("acme.ping"));
        var catalog = services.BuildServiceProvider().GetRequiredService<AutomationCatalog>();

        Assert.Equal(["records.setFields", "records.changeStage", "records.assign", "records.create", "acme.ping"], catalog.Actions.Select(a => a.Name));
        Assert.IsNotType<NamedAction>(catalog.FindAction("records.setFields"));
        Assert.Equal(2, catalog.Rejected.Count);
        Assert.Contains("is taken by", catalog.Rejected[0], StringComparison.Ordinal);
        Assert.Contains("not a namespaced name", catalog.Rejected[1], StringComparison.Ordinal);
        Assert.Equal(
            ["records.created", "records.updated", "records.deleted", "records.stageChanged", "schedule.cron", "schedule.dateField", "platform.manual", "platform.webhook"],
            catalog.Triggers.Select(t => t.Name));
    }

    [Fact]
    public void The_channel_names_the_rule_and_version_and_nothing_else_parses_as_one()
    {
        var via = AutomationChannel.For(new AutomationRunIdentity(42, "Big deals", 3, Guid.NewGuid()));
        Assert.Equal("automation:rule:42:v3", via);
        Assert.True(AutomationChannel.TryParse(via, out var rule, out var version));
        Assert.Equal((42L, 3), (rule, version));
        foreach (var other in new[] { null, "graphql", "automation", "automation:rule:x:v1", "automation:rule:1", "automation:rule:-1:v1" })
        {
            Assert.False(AutomationChannel.TryParse(other, out _, out _));
        }
    }

    [Fact]
    public void A_process_instances_channel_names_the_process_and_is_never_taken_for_a_rules()
    {
        var via = AutomationChannel.For(new AutomationRunIdentity(7, "process 7", 2, Guid.NewGuid()) { IsProcess = true, Depth = 2 });
        Assert.Equal("automation:process:7:v2:d2", via);
        Assert.True(AutomationChannel.TryParseProcess(via, out var process));
        Assert.Equal(7L, process);
        Assert.False(AutomationChannel.TryParse(via, out _, out _));
        Assert.False(AutomationChannel.TryParseProcess("automation:rule:7:v2", out _));
        Assert.False(AutomationChannel.TryParseProcess("automation:process:x:v1", out _));
    }
}
