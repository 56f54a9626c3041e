using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Plugins;
using Snapshooter.Xunit;

namespace Crm.Host.Tests.Metadata;

/// <summary>
/// <c>entityTypes</c>: every record type, a plugin's and custom fields included, as a front end
/// draws it, labelled in the caller's language and cut to the caller's rights. On a host with
/// the sample plugin, which labels its quote type itself.
/// </summary>
public abstract class EntityMetadataTests(QuotePluginHost fixture)
{
    private const string TypeSelection =
        "name graphQLType label pluralLabel listField recordField searchable createMutation updateMutation deleteMutation titleField stageField permissionPartitions customFields "
        + "fields { name label type list reference selectionList objectField filterable sortable operators required readOnly custom group groupLabel showInList maxLength options { id value isDefault } } "
        + "actions { name label allowed }";

    private static readonly JsonSerializerOptions Readable = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private CrmHost Host => fixture.Host;

    [Theory]
    [InlineData("en")]
    [InlineData("pl")]
    public async Task A_deals_metadata_in_English_and_Polish(string language)
    {
        var deal = await TypeInfoAsync("DEAL", language);

        // One snapshot per language for both engines (strict: see StrictSnapshots); descriptions are the schema's, checked there.
        Snapshot.Match(deal.ToJsonString(Readable), $"EntityMetadataTests.Deal_{language}");
    }

    [Fact]
    public async Task Every_type_is_listed_for_an_administrator_with_the_plugins_type_labelled_by_the_plugin()
    {
        var types = await EntityTypesAsync("pl");

        Assert.Equal(["ACTIVITY", "COMPANY", "CONTACT", "DEAL", "LEAD", "QUOTE"], types.Select(t => t!["name"]!.GetValue<string>()).Where(n => n != "FAULT_PROBE").Order(StringComparer.Ordinal));
        var quote = types.Single(t => t!["name"]!.GetValue<string>() == "QUOTE")!;
        Assert.Equal(("Oferta", "Oferty"), (quote["label"]!.GetValue<string>(), quote["pluralLabel"]!.GetValue<string>()));
        Assert.Equal("Tytuł", Field(quote, "title")["label"]!.GetValue<string>());
        // Not labelled by the plugin: a readable form of its name, in every language.
        Assert.Equal("Valid until", Field(quote, "validUntil")["label"]!.GetValue<string>());
        Assert.Equal("Akceptacja", Action(quote, "ACCEPT")["label"]!.GetValue<string>());
        Assert.True(Action(quote, "ACCEPT")["allowed"]!.GetValue<bool>());
        Assert.Equal(("createQuote", "quotes", "quote"), (quote["createMutation"]!.GetValue<string>(), quote["listField"]!.GetValue<string>(), quote["recordField"]!.GetValue<string>()));
        Assert.Equal("REFERENCE", Field(quote, "dealId")["type"]!.GetValue<string>());
        Assert.Equal("DEAL", Field(quote, "dealId")["reference"]!.GetValue<string>());
        Assert.Equal("LIST", Field(quote, "statusId")["type"]!.GetValue<string>());

        var english = await EntityTypesAsync("en");
        Assert.Equal("Quote", english.Single(t => t!["name"]!.GetValue<string>() == "QUOTE")!["label"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_new_custom_field_appears_at_once_with_its_labels_options_and_operators()
    {
        var code = CustomFieldHelpers.NewCode("SIZE");
        var name = CustomFieldHelpers.FieldName(code);
        Assert.DoesNotContain((await TypeInfoAsync("COMPANY", "pl"))["fields"]!.AsArray(), f => f!["name"]!.GetValue<string>() == name);

        var created = await Host.CreateFieldAsync(new
        {
            entityType = "COMPANY",
            code,
            type = "ENUMERATION",
            label = "Size",
            labels = new[] { new { language = "pl", text = "Wielkość" } },
            items = new[] { new { value = "Small" }, new { value = "Large" } },
        });
        try
        {
            var polish = Field(await TypeInfoAsync("COMPANY", "pl"), name);
            Assert.Equal("Wielkość", polish["label"]!.GetValue<string>());
            Assert.Equal(("ENUMERATION", "custom", true), (polish["type"]!.GetValue<string>(), polish["group"]!.GetValue<string>(), polish["custom"]!.GetValue<bool>()));
            Assert.Equal("Pola niestandardowe", polish["groupLabel"]!.GetValue<string>());
            Assert.Equal(["Small", "Large"], polish["options"]!.AsArray().Select(o => o!["value"]!.GetValue<string>()));
            Assert.Equal(["eq", "neq", "in", "nin", "isNull"], polish["operators"]!.AsArray().Select(o => o!.GetValue<string>()));
            // A language the field has no label in gets the field's own label.
            Assert.Equal("Size", Field(await TypeInfoAsync("COMPANY", "de"), name)["label"]!.GetValue<string>());
        }
        finally
        {
            await Host.DeleteFieldAsync(created["id"]!.GetValue<string>());
        }

        Assert.DoesNotContain((await TypeInfoAsync("COMPANY", "pl"))["fields"]!.AsArray(), f => f!["name"]!.GetValue<string>() == name);
    }

    [Fact]
    public async Task A_record_link_fields_allowed_types_are_in_its_metadata_and_null_when_it_links_to_any()
    {
        var (narrowCode, anyCode) = (CustomFieldHelpers.NewCode("PARTNER"), CustomFieldHelpers.NewCode("ANYLINK"));
        var narrow = await Host.CreateFieldAsync(new { entityType = "DEAL", code = narrowCode, type = "CRM", label = "Partner", settings = new { recordTypes = new[] { "CONTACT", "COMPANY" } } });
        var any = await Host.CreateFieldAsync(new { entityType = "DEAL", code = anyCode, type = "CRM", label = "Anything", multiple = true });
        try
        {
            var fields = (await Host.QueryAsync("{ entityTypeInfo(name: DEAL) { fields { name type recordTypes } } }")).ShouldSucceed().Data!["entityTypeInfo"]!["fields"]!.AsArray();
            JsonNode FieldNamed(string name) => fields.Single(f => f!["name"]!.GetValue<string>() == name)!;

            var partner = FieldNamed(CustomFieldHelpers.FieldName(narrowCode));
            Assert.Equal("RECORD_REFERENCE", partner["type"]!.GetValue<string>());
            // In the order the admin gave them.
            Assert.Equal(["CONTACT", "COMPANY"], partner["recordTypes"]!.AsArray().Select(t => t!.GetValue<string>()));
            Assert.Null(FieldNamed(CustomFieldHelpers.FieldName(anyCode))["recordTypes"]);
            // Not a link: no record types either.
            Assert.Null(FieldNamed("title")["recordTypes"]);
            Assert.Null(FieldNamed("companyId")["recordTypes"]);
        }
        finally
        {
            await Host.DeleteFieldAsync(narrow["id"]!.GetValue<string>());
            await Host.DeleteFieldAsync(any["id"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task A_user_with_DEAL_READ_OWN_sees_deals_and_activities_only_and_may_only_read_deals()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("md-own");
        var role = await Host.CreateRoleAsync("Md own deals", [new { entityType = "DEAL", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId: userId)).Ok();

        var types = (await Host.QueryAsync("{ entityTypes(language: \"en\") { name actions { name allowed } } }", apiKey: key)).ShouldSucceed().Data!["entityTypes"]!.AsArray();

        // Activities follow the records they are bound to: theirs to read wherever they may read one.
        Assert.Equal(["ACTIVITY", "DEAL"], types.Select(t => t!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var allowed = types.Single(t => t!["name"]!.GetValue<string>() == "DEAL")!["actions"]!.AsArray().Where(a => a!["allowed"]!.GetValue<bool>()).Select(a => a!["name"]!.GetValue<string>());
        Assert.Equal(["READ"], allowed);
        var hidden = (await Host.QueryAsync("{ entityTypeInfo(name: CONTACT) { name } }", apiKey: key)).ShouldSucceed();
        Assert.Null(hidden.Data!["entityTypeInfo"]);
    }

    [Fact]
    public async Task The_language_is_the_argument_else_the_callers_else_English()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("md-polish");
        var role = await Host.CreateRoleAsync("Md readers", [new { entityType = "CONTACT", action = "READ", level = "ALL" }]);
        (await Host.AssignAsync(role, userId: userId)).Ok();
        async Task<string> LabelAsync(string arguments) =>
            (await Host.QueryAsync($"{{ entityTypeInfo(name: CONTACT{arguments}) {{ label }} }}", apiKey: key)).ShouldSucceed().Data!["entityTypeInfo"]!["label"]!.GetValue<string>();

        Assert.Equal("Contact", await LabelAsync(""));
        (await Host.MutateAsync("updateUser", "mutation($id: ID!) { updateUser(id: $id, input: { language: \"pl\" }) { user { id } errors { code message } } }", new { id = userId })).Ok();
        Assert.Equal("Kontakt", await LabelAsync(""));
        Assert.Equal("Contact", await LabelAsync(", language: \"en\""));
        Assert.Equal("Kontakt", await LabelAsync(", language: \"PL-pl\""));
        // A language no label is in: English.
        Assert.Equal("Contact", await LabelAsync(", language: \"fr\""));
        Assert.Equal("Contact", await LabelAsync(", language: \"x\""));
    }

    [Fact]
    public async Task Every_types_currency_field_is_a_currency_a_plugins_too_and_writes_take_three_letters()
    {
        var types = await EntityTypesAsync("en");
        foreach (var name in new[] { "DEAL", "COMPANY", "LEAD", "QUOTE" })
        {
            var currency = Field(types.Single(t => t!["name"]!.GetValue<string>() == name)!, "currencyId");
            Assert.Equal(("CURRENCY", 3), (currency["type"]!.GetValue<string>(), currency["maxLength"]!.GetValue<int>()));
        }

        // A field declared without Currency() stays what it was.
        Assert.Equal("STRING", Field(types.Single(t => t!["name"]!.GetValue<string>() == "DEAL")!, "title")["type"]!.GetValue<string>());

        var id = await Host.CreateDealAsync(new { title = Records.NewMarker("cur"), currencyId = "eur" });
        const string Update = "mutation($id: ID!, $c: String) { updateDeal(id: $id, input: { currencyId: $c }) { deal { currencyId } errors { code path } } }";
        async Task<JsonNode> UpdateAsync(string? code) => (await Host.QueryAsync(Update, new { id, c = code })).ShouldSucceed().Data!["updateDeal"]!;

        // Stored upper-cased, as a money value's currency is; any three letters, not only the listed codes.
        Assert.Equal("EUR", (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { currencyId } }", new { id })).ShouldSucceed().Data!["deal"]!["currencyId"]!.GetValue<string>());
        Assert.Equal("XYZ", (await UpdateAsync("xyz"))["deal"]!["currencyId"]!.GetValue<string>());
        foreach (var bad in new[] { "E1R", "EURO", "EU", new string('E', 300) })
        {
            var refused = Assert.Single((await UpdateAsync(bad))["errors"]!.AsArray())!;
            Assert.Equal("INVALID_FORMAT", refused["code"]!.GetValue<string>());
            Assert.Equal(["input", "currencyId"], refused["path"]!.AsArray().Select(p => p!.GetValue<string>()));
        }

        Assert.Equal("XYZ", (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { currencyId } }", new { id })).ShouldSucceed().Data!["deal"]!["currencyId"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_language_of_ten_times_the_limit_is_refused_before_any_work()
    {
        var response = await Host.QueryAsync("query($l: String) { entityTypes(language: $l) { name } }", new { l = new string('p', 100) });

        var error = Assert.Single(response.Errors);
        Assert.Equal("LIMIT_EXCEEDED", error!["extensions"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Metadata_is_built_once_per_schema_and_language_and_reads_the_database_only_for_the_callers_language()
    {
        await EntityTypesAsync("pl");
        (await Host.QueryAsync("{ entityTypes { name } }")).ShouldSucceed();

        // The request's own statements are counted in its async flow, so the host's background polls
        // (outbox, scheduler, module states, caches) never count; the capture only shows what the one read was.
        Assert.Equal(0, (await Host.QueryAsync("{ entityTypes(language: \"pl\") { name fields { name label } actions { name allowed } } }")).ShouldSucceed().Statements);
        using var capture = SqlCapture.Start(Host);
        Assert.Equal(1, (await Host.QueryAsync("{ entityTypes { name fields { name label } } }")).ShouldSucceed().Statements);
        Assert.Contains(capture.Commands, c => c.Text.Contains(Host.Table("permissions", "users"), StringComparison.Ordinal));
    }

    private async Task<JsonArray> EntityTypesAsync(string language) =>
        (await Host.QueryAsync($"query($l: String) {{ entityTypes(language: $l) {{ {TypeSelection} }} }}", new { l = language })).ShouldSucceed().Data!["entityTypes"]!.AsArray();

    private async Task<JsonNode> TypeInfoAsync(string type, string language) =>
        (await Host.QueryAsync($"query($l: String) {{ entityTypeInfo(name: {type}, language: $l) {{ {TypeSelection} }} }}", new { l = language })).ShouldSucceed().Data!["entityTypeInfo"]!;

    private static JsonNode Field(JsonNode type, string name) => type["fields"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == name)!;

    private static JsonNode Action(JsonNode type, string name) => type["actions"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == name)!;
}

[Trait("Engine", "Sqlite")]
public sealed class EntityMetadataOnSqlite(QuotePluginSqliteHost fixture) : EntityMetadataTests(fixture), IClassFixture<QuotePluginSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class EntityMetadataOnPostgres(QuotePluginPostgresHost fixture) : EntityMetadataTests(fixture), IClassFixture<QuotePluginPostgresHost>;
