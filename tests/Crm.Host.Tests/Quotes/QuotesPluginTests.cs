using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Automation;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Permissions;
using Crm.Host.Tests.Timeline;
using Microsoft.Extensions.Time.Testing;

namespace Crm.Host.Tests.Quotes;

/// <summary>
/// The partner plugin plugins/Quotes, built against the packed SDK alone and loaded from its
/// published folder, used through GraphQL: what it adds (numbers, rows and totals, invoices, the
/// PDF, the automation action) and what the platform gives it with no code of its own (rights,
/// custom fields, search, filters and paging, history).
/// </summary>
public abstract class QuotesPluginTests(QuotesHost fixture)
{
    private const string RowFields = "productName price quantity discountRate taxRate netAmount taxAmount totalAmount";
    private const string DocumentFields = $"id number title dealId companyId contactId statusId currencyId subtotal taxTotal total rowCount rows {{ {RowFields} }}";
    private const string Admin = "1";

    private CrmHost Host => fixture.Host;

    private FakeTimeProvider Clock => fixture.Clock;

    [Fact]
    public async Task Twenty_parallel_creates_of_each_kind_get_consecutive_numbers_of_the_year_and_a_new_year_starts_at_one()
    {
        var year = Clock.GetUtcNow().Year;
        foreach (var (type, prefix) in new[] { ("quote", "Q"), ("invoice", "I") })
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => CreateAsync(type, new { title = $"Parallel {i}" }))));

            var numbers = answers.Select(a => Str(a["number"])).ToList();
            Assert.All(numbers, n => Assert.Matches($"^{prefix}-{year}-\\d{{4}}$", n));
            var sequence = numbers.Select(n => int.Parse(n[^4..], CultureInfo.InvariantCulture)).Order().ToList();
            Assert.Equal(Enumerable.Range(sequence[0], 20), sequence);
            // No number of the year was skipped or given twice, by these creates or any before them.
            var stored = await Host.QueryRowsAsync($"SELECT number FROM {Host.Table("acme_quotes", type + "s")} WHERE number LIKE @p0", $"{prefix}-{year}-%");
            Assert.Equal(sequence[^1], stored.Select(r => (string)r["number"]!).Distinct().Count());
        }

        Clock.SetUtcNow(new DateTimeOffset(year + 1, 1, 1, 0, 0, 1, TimeSpan.Zero));
        Assert.Equal($"Q-{year + 1}-0001", Str((await CreateAsync("quote", new { title = "New year" }))["number"]));
        // The number is the plugin's to give: no input carries it.
        var forced = await Host.QueryAsync("mutation { createQuote(input: { title: \"Forced\", number: \"Q-1-0001\" }) { quote { id } } }");
        Assert.Equal(["VALIDATION"], forced.ErrorCodes);
    }

    [Fact]
    public async Task Rows_give_exact_line_and_document_totals_bounded_rows_are_refused_before_work_and_the_change_is_in_the_history()
    {
        var quote = await CreateAsync("quote", new { title = "Priced" });
        var id = Str(quote["id"]);
        object[] rows =
        [
            new { productName = "Licence", price = 199.99m, quantity = 3m, discountRate = 10m, taxRate = 23m },
            new { productName = "Setup", price = 0.05m, quantity = 0.333m, taxRate = 8m },
            new { productName = "Support", price = 1234.5m, quantity = 2.5m, discountRate = 12.5m },
        ];

        var priced = (await SetRowsAsync("quote", id, rows)).Ok()["quote"]!;

        Assert.Equal([(539.97m, 124.19m, 664.16m), (0.02m, 0m, 0.02m), (2700.47m, 0m, 2700.47m)],
            priced["rows"]!.AsArray().Select(r => (Dec(r!["netAmount"]), Dec(r["taxAmount"]), Dec(r["totalAmount"]))));
        Assert.Equal((3240.46m, 124.19m, 3364.65m, 3), (Dec(priced["subtotal"]), Dec(priced["taxTotal"]), Dec(priced["total"]), priced["rowCount"]!.GetValue<int>()));

        // Ten times the limit, a price in tenths of cents and a zero quantity: refused, nothing changed.
        var tooMany = Enumerable.Range(0, 1000).Select(i => (object)new { productName = $"Item {i}", price = 1m, quantity = 1m }).ToArray();
        var refused = await SetRowsAsync("quote", id, tooMany);
        Assert.Equal(("LIMIT_EXCEEDED", "rows"), (refused.ErrorCode(), refused.ErrorPath()));
        var invalid = await SetRowsAsync("quote", id, [new { productName = "Odd", price = 1.234m, quantity = 1m }, new { productName = "None", price = 1m, quantity = 0m }]);
        Assert.Equal(["rows.0.price", "rows.1.quantity"], invalid["errors"]!.AsArray().Select(e => string.Join(".", e!["path"]!.AsArray().Select(p => Str(p)))));
        var read = (await Host.QueryAsync($"query($id: ID!) {{ quote(id: $id) {{ {DocumentFields} }} }}", new { id })).ShouldSucceed().Data!["quote"]!;
        Assert.Equal((3364.65m, 3), (Dec(read["total"]), read["rows"]!.AsArray().Count));

        await Host.DeliverAsync();
        var history = (await Host.TimelineAsync("QUOTE", id)).ShouldSucceed().Data!["timeline"]!["nodes"]!.AsArray();
        Assert.Contains(history, e => Str(e!["kind"]) == "created");
        var change = Assert.Single(history, e => Str(e!["kind"]) == "fieldsChanged")!;
        Assert.Contains(change["changes"]!.AsArray(), c => Str(c!["field"]) == "total");
    }

    [Fact]
    public async Task An_invoice_made_from_a_quote_takes_its_client_deal_rows_and_totals_and_both_show_on_the_deal()
    {
        var companyId = await Host.CreateCompanyAsync(new { title = "Globex" });
        var contactId = await Host.CreateContactAsync(new { name = "Hank Scorpio" });
        var dealId = await Host.CreateDealAsync(new { title = "Globex renewal" });
        var quote = await CreateAsync("quote", new { title = "Renewal offer", dealId, companyId, contactId, currencyId = "EUR" });
        var quoteId = Str(quote["id"]);
        (await SetRowsAsync("quote", quoteId, [new { productName = "Seat", price = 40m, quantity = 12m, taxRate = 19m }])).Ok();

        var invoice = (await Host.MutateAsync("createInvoiceFromQuote",
            $"mutation($id: ID!) {{ createInvoiceFromQuote(quoteId: $id) {{ invoice {{ {DocumentFields} quote {{ id }} }} errors {{ code message path }} }} }}", new { id = quoteId })).Ok()["invoice"]!;

        Assert.Matches("^I-2\\d{3}-\\d{4}$", Str(invoice["number"]));
        Assert.Equal((quoteId, dealId, companyId, contactId, "EUR", "DRAFT"),
            (Str(invoice["quote"]!["id"]), Str(invoice["dealId"]), Str(invoice["companyId"]), Str(invoice["contactId"]), Str(invoice["currencyId"]), Str(invoice["statusId"])));
        Assert.Equal((480m, 91.2m, 571.2m), (Dec(invoice["subtotal"]), Dec(invoice["taxTotal"]), Dec(invoice["total"])));
        Assert.Equal("Seat", Str(Assert.Single(invoice["rows"]!.AsArray())!["productName"]));

        var deal = (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { quotes { id invoices { id } } invoices { id number } } }", new { id = dealId })).ShouldSucceed().Data!["deal"]!;
        Assert.Equal(quoteId, Str(Assert.Single(deal["quotes"]!.AsArray())!["id"]));
        Assert.Equal(Str(invoice["id"]), Str(Assert.Single(deal["quotes"]![0]!["invoices"]!.AsArray())!["id"]));
        Assert.Equal(Str(invoice["number"]), Str(Assert.Single(deal["invoices"]!.AsArray())!["number"]));

        var missing = await Host.MutateAsync("createInvoiceFromQuote", "mutation { createInvoiceFromQuote(quoteId: \"999999999\") { invoice { id } errors { code path } } }");
        Assert.Equal(("NOT_FOUND", "quoteId"), (missing.ErrorCode(), missing.ErrorPath()));
    }

    [Fact]
    public async Task A_quote_with_the_most_rows_renders_as_a_bounded_pdf()
    {
        var id = Str((await CreateAsync("quote", new { title = "Big order" }))["id"]);
        var rows = Enumerable.Range(1, 100).Select(i => (object)new { productName = $"Part {i} with a rather long name that the PDF shortens to fit its column", price = 10m + i, quantity = i, taxRate = 23m }).ToArray();
        var number = Str((await SetRowsAsync("quote", id, rows)).Ok()["quote"]!["number"]);

        var pdf = (await Host.QueryAsync("query($id: ID!) { quotePdf(id: $id) { fileName contentType size base64 } }", new { id })).ShouldSucceed().Data!["quotePdf"]!;

        var bytes = Convert.FromBase64String(Str(pdf["base64"]));
        Assert.Equal(($"{number}.pdf", "application/pdf", bytes.Length), (Str(pdf["fileName"]), Str(pdf["contentType"]), pdf["size"]!.GetValue<int>()));
        Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(bytes, 0, 5));
        Assert.InRange(bytes.Length, 1_000, 1_000_000);
        Assert.Contains("/Count 3", System.Text.Encoding.Latin1.GetString(bytes), StringComparison.Ordinal); // a hundred rows take three pages
    }

    [Fact]
    public async Task A_user_with_quote_read_own_sees_lists_and_pdfs_of_their_own_quotes_only_and_changes_none()
    {
        var (userId, _, key) = await Host.NewUserWithKeyAsync("quote-reader");
        var role = await Host.CreateRoleAsync("Own quotes", [new { entityType = "QUOTE", action = "READ", level = "OWN" }]);
        (await Host.AssignAsync(role, userId: userId)).Ok();
        var marker = Records.NewMarker("Own");
        var mine = Str((await CreateAsync("quote", new { title = $"{marker} mine", assignedById = userId }))["id"]);
        var theirs = Str((await CreateAsync("quote", new { title = $"{marker} theirs" }))["id"]);

        var list = (await Host.QueryAsync("query($s: String!) { quotes(search: $s) { totalCount nodes { id } } }", new { s = marker }, key)).ShouldSucceed().Data!["quotes"]!;
        Assert.Equal((1, mine), (list["totalCount"]!.GetValue<int>(), Str(list["nodes"]![0]!["id"])));
        Assert.Null((await Host.QueryAsync("query($id: ID!) { quote(id: $id) { id } }", new { id = theirs }, key)).Data?["quote"]);

        (await Host.QueryAsync("query($id: ID!) { quotePdf(id: $id) { size } }", new { id = mine }, key)).ShouldSucceed();
        var forbidden = await Host.QueryAsync("query($id: ID!) { quotePdf(id: $id) { size } }", new { id = theirs }, key);
        Assert.Equal(["FORBIDDEN"], forbidden.ErrorCodes);
        Assert.Equal("FORBIDDEN", (await SetRowsAsync("quote", mine, [new { productName = "Mine", price = 1m, quantity = 1m }], key)).ErrorCode());
        Assert.Equal("FORBIDDEN", (await Host.MutateAsync("createInvoiceFromQuote", "mutation($id: ID!) { createInvoiceFromQuote(quoteId: $id) { invoice { id } errors { code } } }", new { id = theirs }, key)).ErrorCode());
    }

    [Fact]
    public async Task The_automation_action_makes_a_numbered_quote_with_its_row_for_the_deal_and_a_dry_run_leaves_nothing()
    {
        var catalog = (await Host.QueryAsync("{ automationCatalog { actions { name appliesTo } } }")).ShouldSucceed().Data!["automationCatalog"]!["actions"]!.AsArray();
        Assert.Equal(["DEAL"], catalog.Single(a => Str(a!["name"]) == "acme_quotes.createQuoteFromDeal")!["appliesTo"]!.AsArray().Select(Str));
        var dealId = await Host.CreateDealAsync(new { title = "Automated" });
        var parameters = new { title = "Standard offer", productName = "Licence", price = 100m, quantity = 2m, taxRate = 23m };

        (await Host.RunActionAsync("acme_quotes.createQuoteFromDeal", "deal", dealId, Admin, parameters, dryRun: true)).ShouldSucceed();
        Assert.Empty(await QuotesOfDealAsync(dealId));

        var outcome = await Host.RunActionAsync("acme_quotes.createQuoteFromDeal", "deal", dealId, Admin, parameters);
        outcome.ShouldSucceed();
        var quote = Assert.Single(await QuotesOfDealAsync(dealId))!;
        Assert.Equal((Str(outcome.Output!["number"]), "Standard offer", 246m, "Licence"), (Str(quote["number"]), Str(quote["title"]), Dec(quote["total"]), Str(quote["rows"]![0]!["productName"])));
        Assert.Equal(DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime).AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Str(quote["validUntil"]));

        (await Host.ValidateAsync("acme_quotes.createQuoteFromDeal", "deal", new { title = "x", price = 100_000_000m })).Single("INVALID_VALUE", "actions.2.params.price");
    }

    [Fact]
    public async Task A_quote_gets_custom_fields_search_by_number_and_deal_filters_and_paging_from_the_platform()
    {
        var code = CustomFieldHelpers.NewCode("TIER");
        var fieldName = Str((await Host.CreateFieldAsync(new { entityType = "QUOTE", code, type = "STRING", label = "Tier" }))["fieldName"]);
        var marker = Records.NewMarker("Initech");
        var dealId = await Host.CreateDealAsync(new { title = $"{marker} rollout" });
        var ids = new List<string>();
        foreach (var tier in new[] { "gold", "silver", "gold" })
        {
            var quote = await CreateAsync("quote", new Dictionary<string, object?> { ["title"] = $"Offer {tier}", ["dealId"] = dealId, [fieldName] = tier });
            ids.Add(Str(quote["id"]));
        }

        var first = (await Host.QueryAsync($"query($id: ID!) {{ quote(id: $id) {{ number {fieldName} }} }}", new { id = ids[0] })).ShouldSucceed().Data!["quote"]!;
        Assert.Equal("gold", Str(first[fieldName]));
        // Found by its number, and by its deal's title (SearchIncludes("deal")).
        var byNumber = (await Host.QueryAsync("query($s: String!) { quotes(search: $s) { nodes { id } } }", new { s = Str(first["number"]) })).ShouldSucceed().Data!["quotes"]!["nodes"]!.AsArray();
        Assert.Equal(ids[0], Str(Assert.Single(byNumber)!["id"]));

        const string Page = "query($s: String!, $deal: ID!, $after: String) { quotes(search: $s, where: { dealId: { eq: $deal }, title: { eq: \"Offer gold\" } }, order: [{ number: DESC }], first: 1, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }";
        var page = (await Host.QueryAsync(Page, new { s = marker, deal = dealId, after = (string?)null })).ShouldSucceed().Data!["quotes"]!;
        Assert.Equal((2, ids[2], true), (page["totalCount"]!.GetValue<int>(), Str(page["nodes"]![0]!["id"]), page["pageInfo"]!["hasNextPage"]!.GetValue<bool>()));
        var next = (await Host.QueryAsync(Page, new { s = marker, deal = dealId, after = Str(page["pageInfo"]!["endCursor"]) })).ShouldSucceed().Data!["quotes"]!;
        Assert.Equal((ids[0], false), (Str(next["nodes"]![0]!["id"]), next["pageInfo"]!["hasNextPage"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task Twenty_parallel_row_replacements_of_one_quote_leave_one_whole_set_of_rows_and_its_totals()
    {
        var id = Str((await CreateAsync("quote", new { title = "Contested rows" }))["id"]);

        var answers = await Task.WhenAll(Enumerable.Range(1, 20).Select(n => Task.Run(() =>
            SetRowsAsync("quote", id, [.. Enumerable.Range(1, n).Select(i => (object)new { productName = $"Set {n} row {i}", price = n, quantity = 1m })]))));

        Assert.All(answers, a => a.Ok());
        var quote = (await Host.QueryAsync($"query($id: ID!) {{ quote(id: $id) {{ {DocumentFields} }} }}", new { id })).ShouldSucceed().Data!["quote"]!;
        var rows = quote["rows"]!.AsArray();
        var set = int.Parse(Str(rows[0]!["productName"]).Split(' ')[1], CultureInfo.InvariantCulture);
        // One writer's rows, all of them, and the totals computed from exactly those.
        Assert.Equal(Enumerable.Range(1, set).Select(i => $"Set {set} row {i}"), rows.Select(r => Str(r!["productName"])));
        Assert.Equal((set, set * (decimal)set), (quote["rowCount"]!.GetValue<int>(), Dec(quote["total"])));
    }

    [Fact]
    public async Task A_page_of_quotes_reads_the_rows_of_all_its_quotes_in_one_statement()
    {
        var marker = Records.NewMarker("Paged rows");
        foreach (var i in Enumerable.Range(1, 5))
        {
            var id = Str((await CreateAsync("quote", new { title = $"{marker} {i}" }))["id"]);
            (await SetRowsAsync("quote", id, [new { productName = $"Part {i}", price = i, quantity = 1m }, new { productName = "Extra", price = 1m, quantity = i }])).Ok();
        }

        using var capture = SqlCapture.Start(Host);
        var nodes = (await Host.QueryAsync("query($s: String!) { quotes(search: $s, first: 5) { nodes { number rows { productName totalAmount } } } }", new { s = marker }))
            .ShouldSucceed().Data!["quotes"]!["nodes"]!.AsArray();

        Assert.Equal(Enumerable.Repeat(2, 5), nodes.Select(n => n!["rows"]!.AsArray().Count));
        Assert.Single(capture.Commands, c => c.Text.Contains("quote_rows", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_template_makes_a_plugin_that_builds_against_the_sdk_package_alone_migrates_on_both_engines_and_serves_its_record_type()
    {
        var project = await TemplatePluginBuild.ProjectAsync();
        var module = await File.ReadAllTextAsync(Path.Combine(project, "PluginModule.cs"));
        Assert.Contains("Id = \"acme_sample\"", module, StringComparison.Ordinal);
        Assert.Contains("Publisher = \"acme\"", module, StringComparison.Ordinal);
        var published = Directory.GetFiles(await TemplatePluginBuild.FolderAsync()).Select(Path.GetFileName).ToList();
        Assert.Contains("Acme.Sample.dll", published);
        Assert.DoesNotContain(published, f => f!.StartsWith("Crm.PluginSdk", StringComparison.Ordinal) || f.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));

        var modules = (await Host.QueryAsync("{ modules { id state reason } }")).ShouldSucceed().Data!["modules"]!.AsArray();
        Assert.Equal(("LOADED", "LOADED"), (Str(modules.Single(m => Str(m!["id"]) == "acme_sample")!["state"]), Str(modules.Single(m => Str(m!["id"]) == "acme_quotes")!["state"])));
        var item = (await Host.MutateAsync("createItem", "mutation { createItem(input: { title: \"First\", amount: 12.5 }) { item { id title amount } errors { code message } } }")).Ok()["item"]!;
        Assert.Equal(("First", 12.5m), (Str(item["title"]), Dec(item["amount"])));
        var listed = (await Host.QueryAsync("{ items(search: \"First\") { totalCount } }")).ShouldSucceed().Data!["items"]!["totalCount"]!.GetValue<int>();
        Assert.True(listed >= 1);
    }

    private async Task<JsonArray> QuotesOfDealAsync(string dealId) =>
        (await Host.QueryAsync("query($id: ID!) { deal(id: $id) { quotes { number title total validUntil rows { productName } } } }", new { id = dealId })).ShouldSucceed().Data!["deal"]!["quotes"]!.AsArray();

    private async Task<JsonNode> CreateAsync(string type, object input, string apiKey = CrmHost.AdminKey)
    {
        var name = char.ToUpperInvariant(type[0]) + type[1..];
        return (await Host.MutateAsync($"create{name}",
            $"mutation($input: Create{name}Input!) {{ create{name}(input: $input) {{ {type} {{ {DocumentFields} }} errors {{ code message path }} }} }}", new { input }, apiKey)).Ok()[type]!;
    }

    private Task<JsonNode> SetRowsAsync(string type, string id, object[] rows, string apiKey = CrmHost.AdminKey)
    {
        var name = char.ToUpperInvariant(type[0]) + type[1..];
        return Host.MutateAsync($"set{name}Rows",
            $"mutation($id: ID!, $rows: [ProductRowInput!]!) {{ set{name}Rows(id: $id, rows: $rows) {{ {type} {{ {DocumentFields} }} errors {{ code message path }} }} }}", new { id, rows }, apiKey);
    }

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private static decimal Dec(JsonNode? node) => node!.GetValue<decimal>();
}

[Trait("Engine", "Sqlite")]
public sealed class QuotesPluginOnSqlite(QuotesSqliteHost fixture) : QuotesPluginTests(fixture), IClassFixture<QuotesSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class QuotesPluginOnPostgres(QuotesPostgresHost fixture) : QuotesPluginTests(fixture), IClassFixture<QuotesPostgresHost>;
