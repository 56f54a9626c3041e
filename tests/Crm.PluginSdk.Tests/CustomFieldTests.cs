using System.Text.Json.Nodes;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Tests;

public sealed class CustomFieldTests
{
    private static CustomFieldSpec Spec(CustomFieldType type, bool multiple = false, CustomFieldSettings? settings = null, IReadOnlyList<CustomFieldItem>? items = null) => new()
    {
        Id = 1,
        EntityType = "deal",
        Code = "UF_CRM_TEST",
        Type = type,
        Label = "Test",
        Multiple = multiple,
        Settings = settings ?? CustomFieldSettings.None,
        Items = items ?? [],
    };

    [Theory]
    [InlineData("UF_CRM_BUDGET", true)]
    [InlineData("UF_CRM_1_2", true)]
    [InlineData("UF_CRM_", false)]
    [InlineData("UF_CRM_A_", false)]
    [InlineData("UF_CRM_a", false)]
    [InlineData("UF_BUDGET", false)]
    [InlineData("UF_CRM_A B", false)]
    public void Codes_are_UF_CRM_and_upper_case_letters_digits_and_underscores(string code, bool valid) =>
        Assert.Equal(valid, CustomFieldSpec.IsValidCode(code));

    [Theory]
    [InlineData("UF_CRM_BUDGET", "ufCrmBudget")]
    [InlineData("UF_CRM_DEAL_SOURCE_2", "ufCrmDealSource2")]
    public void The_GraphQL_name_is_the_code_in_camel_case(string code, string name) =>
        Assert.Equal(name, CustomFieldSpec.GraphName(code));

    [Fact]
    public void Only_integer_to_number_and_string_to_text_are_safe_widenings()
    {
        Assert.True(CustomFieldSpec.IsSafeWidening(CustomFieldType.Integer, CustomFieldType.Number));
        Assert.True(CustomFieldSpec.IsSafeWidening(CustomFieldType.String, CustomFieldType.Text));
        Assert.False(CustomFieldSpec.IsSafeWidening(CustomFieldType.Number, CustomFieldType.Integer));
        Assert.False(CustomFieldSpec.IsSafeWidening(CustomFieldType.Text, CustomFieldType.String));
        Assert.False(CustomFieldSpec.IsSafeWidening(CustomFieldType.Date, CustomFieldType.DateTime));
    }

    [Fact]
    public void Values_are_checked_against_the_settings_and_named_in_the_error()
    {
        var errors = new List<UserError>();
        Assert.Null(CustomFieldBinder.Bind(Spec(CustomFieldType.Integer, settings: new CustomFieldSettings { Min = 1, Max = 10 }), 11L, errors, "input", "ufCrmTest"));
        Assert.Null(CustomFieldBinder.Bind(Spec(CustomFieldType.String, settings: new CustomFieldSettings { Pattern = "^[0-9]+$" }), "12a", errors, "input", "ufCrmTest"));
        Assert.Null(CustomFieldBinder.Bind(Spec(CustomFieldType.Enumeration, items: [new CustomFieldItem(1, "A", 10, false)]), "2", errors, "input", "ufCrmTest"));
        Assert.Null(CustomFieldBinder.Bind(Spec(CustomFieldType.Number, settings: new CustomFieldSettings { Precision = 1 }), 1.25m, errors, "input", "ufCrmTest"));
        Assert.Equal(["INVALID_VALUE", "INVALID_FORMAT", "INVALID_VALUE", "INVALID_FORMAT"], errors.Select(e => e.Code));
        Assert.All(errors, e => Assert.Contains("ufCrmTest", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Times_are_stored_as_fixed_width_utc_text_so_that_text_order_is_time_order()
    {
        var early = CustomFieldBinder.DateTimeKey(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        var late = CustomFieldBinder.DateTimeKey(new DateTimeOffset(2026, 1, 2, 10, 4, 5, TimeSpan.FromHours(5)).UtcDateTime.AddTicks(5));
        Assert.Equal("2026-01-02T03:04:05.000000Z", early);
        Assert.True(string.CompareOrdinal(early, late) < 0);
        Assert.Equal(early.Length, late.Length);
    }

    [Fact]
    public void Multiple_values_match_when_any_value_does()
    {
        var values = JsonNode.Parse("""[{"amount": 5, "currency": "EUR"}, {"amount": 50, "currency": "USD"}]""");
        Assert.True(CustomFieldSql.AnyValueMatches(values, "gt", JsonNode.Parse("10")));
        Assert.False(CustomFieldSql.AnyValueMatches(values, "gt", JsonNode.Parse("100")));
        Assert.True(CustomFieldSql.AnyValueMatches(values, "in", JsonNode.Parse("[1, 5]")));
        Assert.True(CustomFieldSql.AnyValueMatches(JsonNode.Parse("""["Red", "Blue"]"""), "contains", JsonNode.Parse("\"LU\"")));
        Assert.False(CustomFieldSql.AnyValueMatches(JsonNode.Parse("[]"), "exists", null));
    }

    [Fact]
    public void A_document_reports_the_codes_that_changed()
    {
        var before = CustomFieldValues.Parse("""{"UF_CRM_A": 1, "UF_CRM_B": "x"}""");
        var after = before.Clone();
        after.Set("UF_CRM_A", JsonValue.Create(2));
        after.Set("UF_CRM_B", null);
        after.Set("UF_CRM_C", new JsonArray());
        Assert.Equal(["UF_CRM_A", "UF_CRM_B"], CustomFieldValues.ChangedCodes(before, after));
        Assert.Equal("""{"UF_CRM_A":2}""", after.ToJson());
    }

    [Fact]
    public void Index_names_stay_within_postgresql_identifier_length()
    {
        var spec = Spec(CustomFieldType.Integer) with { Code = "UF_CRM_" + new string('X', 43) };
        Assert.True(CustomFieldSql.IndexName("very_long_table_name_of_a_plugin", spec).Length <= 63);
    }
}
