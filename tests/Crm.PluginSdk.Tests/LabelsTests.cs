using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Metadata;

namespace Crm.PluginSdk.Tests;

public sealed class LabelsTests
{
    [Theory]
    [InlineData("stageId", "Stage")]
    [InlineData("closeDate", "Close date")]
    [InlineData("utmSource", "Utm source")]
    [InlineData("QUOTE", "Quote")]
    [InlineData("FAULT_PROBE", "Fault probe")]
    [InlineData("id", "Id")]
    [InlineData("title", "Title")]
    public void A_name_without_a_label_reads_as_words(string name, string readable) => Assert.Equal(readable, Labels.Readable(name));

    [Fact]
    public void A_label_falls_back_to_English_then_to_the_readable_name()
    {
        var builder = new EntityBuilder<SampleRecord>();
        builder.Field(r => r.Title).Label("en", "Subject").Label("PL", "Temat");
        builder.Field(r => r.Name);

        var labels = builder.Fields.Single(f => f.Name == "title").Labels;
        Assert.Equal("Temat", labels.In("pl", "title"));
        Assert.Equal("Subject", labels.In("de", "title"));
        Assert.Equal("Name", builder.Fields.Single(f => f.Name == "name").Labels.In("pl", "name"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("polish")]
    [InlineData("p")]
    [InlineData("pl-abcdefghij")]
    public void A_label_in_something_that_is_not_a_language_code_is_refused(string language) =>
        Assert.Throws<ArgumentException>(() => new EntityBuilder<SampleRecord>().Field(r => r.Title).Label(language, "x"));

    [Fact]
    public void A_label_longer_than_the_limit_is_refused() =>
        Assert.Throws<ArgumentException>(() => new EntityBuilder<SampleRecord>().Field(r => r.Title).Label("en", new string('x', Labels.MaxTextLength * 10)));

    [Fact]
    public void Only_a_declared_action_takes_a_label_and_only_a_list_field_is_a_stage()
    {
        var builder = new EntityBuilder<SampleRecord>();
        Assert.Throws<InvalidOperationException>(() => builder.ActionLabel("ACCEPT", "pl", "Akceptacja"));
        builder.Action("ACCEPT", "Accept.").ActionLabel("ACCEPT", "pl", "Akceptacja").ActionLabel("READ", "de", "Lesen");
        Assert.Equal("Akceptacja", builder.Labels.Actions[new Security.PermissionAction("ACCEPT")].In("pl"));
        Assert.Equal("Odczyt", builder.Labels.Actions[Security.PermissionAction.Read].In("pl"));

        Assert.Throws<InvalidOperationException>(() => builder.Field(r => r.Name).Stage());
    }
}
