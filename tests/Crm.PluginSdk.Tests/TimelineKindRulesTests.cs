using Crm.PluginSdk.Timeline;

namespace Crm.PluginSdk.Tests;

/// <summary>What the host checks of a module's timeline kinds before it serves them.</summary>
public sealed class TimelineKindRulesTests
{
    private static readonly Dictionary<string, string> None = [];

    private static TimelineKindDeclaration Kind(string kind = "emailSent", string typeName = "EmailSentEntry", string moduleId = "mail", params TimelineDataField[] fields) =>
        new(moduleId, kind, typeName, "An e-mail was sent.", fields.Length == 0 ? [new("to", TimelineFieldType.String, false, "To whom.")] : fields);

    [Fact]
    public void A_well_formed_kind_passes() =>
        Assert.Empty(TimelineKindRules.Problems("mail", [Kind(), Kind("emailOpened", "EmailOpenedEntry")], None, None));

    [Theory]
    [InlineData("EmailSent", "EmailSentEntry", "mail", "its timeline kind 'EmailSent' is not a camelCase name of 1 to 64 letters and digits")]
    [InlineData("email.sent", "EmailSentEntry", "mail", "its timeline kind 'email.sent' is not a camelCase name of 1 to 64 letters and digits")]
    [InlineData("fieldsChanged", "EmailSentEntry", "mail", "its timeline kind 'fieldsChanged' is one of the platform's own kinds")]
    [InlineData("emailSent", "EmailSent", "mail", "its timeline kind 'emailSent' has the GraphQL type name 'EmailSent': PascalCase letters and digits ending in Entry, at most 100, not starting with Timeline")]
    [InlineData("emailSent", "TimelineEmailEntry", "mail", "its timeline kind 'emailSent' has the GraphQL type name 'TimelineEmailEntry': PascalCase letters and digits ending in Entry, at most 100, not starting with Timeline")]
    [InlineData("emailSent", "EmailSentEntry", "other", "its timeline kind 'emailSent' names module 'other', not its own")]
    public void A_bad_name_is_refused_naming_what(string kind, string typeName, string moduleId, string problem) =>
        Assert.Equal([problem], TimelineKindRules.Problems("mail", [Kind(kind, typeName, moduleId)], None, None));

    [Fact]
    public void A_kind_or_type_name_another_module_holds_or_declared_twice_is_refused()
    {
        Assert.Equal(["its timeline kind 'emailSent' is declared by module 'crm_mail' already", "its timeline kind 'emailSent' has the GraphQL type name 'EmailSentEntry', which module 'crm_mail' declared already"],
            TimelineKindRules.Problems("mail", [Kind()], new Dictionary<string, string> { ["emailSent"] = "crm_mail" }, new Dictionary<string, string> { ["EmailSentEntry"] = "crm_mail" }));
        Assert.Equal(["its timeline kind 'emailSent' is declared twice", "its timeline kind 'emailSent' has the GraphQL type name 'EmailSentEntry' of another of its kinds"],
            TimelineKindRules.Problems("mail", [Kind(), Kind()], None, None));
    }

    [Fact]
    public void Fields_must_be_named_once_not_as_every_entrys_fields_and_bounded()
    {
        var problems = TimelineKindRules.Problems("mail", [Kind(fields: [new("id", TimelineFieldType.Id, false, ""), new("to", TimelineFieldType.String, true, ""), new("to", TimelineFieldType.String, true, ""), new("Bad name", TimelineFieldType.Int, true, ""), new("size", (TimelineFieldType)99, true, "")])], None, None);
        Assert.Equal([
            "its timeline kind 'emailSent' has a field 'id', which every entry has",
            "its timeline kind 'emailSent' has the field 'to' twice",
            "its timeline kind 'emailSent' has a field 'Bad name' that is not a camelCase name of 1 to 64 letters and digits",
            "its timeline kind 'emailSent' has a field 'size' of no known type",
        ], problems);

        // Ten times the limit of fields, and of kinds.
        var many = Enumerable.Range(0, TimelineKindRules.MaxFields * 10).Select(i => new TimelineDataField($"f{i}", TimelineFieldType.String, true, "")).ToArray();
        Assert.Equal(["its timeline kind 'emailSent' has 320 fields; at most 32"], TimelineKindRules.Problems("mail", [Kind(fields: many)], None, None));
        var kinds = Enumerable.Range(0, TimelineKindRules.MaxKindsPerModule * 10).Select(i => Kind($"kind{i}", $"Kind{i}Entry")).ToList();
        Assert.Equal(["it declares 500 timeline kinds; at most 50"], TimelineKindRules.Problems("mail", kinds, None, None));
    }
}
