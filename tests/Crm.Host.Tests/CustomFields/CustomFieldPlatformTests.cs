using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.CustomFields;

/// <summary>Custom fields across the platform: other hosts, indexes, lead conversion.</summary>
public abstract class CustomFieldPlatformTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    [Fact]
    public async Task A_second_host_on_the_same_database_picks_up_a_new_field_by_itself()
    {
        await using var other = new CrmHost(Host.Engine, Host.ConnectionString, new Dictionary<string, string?> { ["CustomFields:PollInterval"] = "00:00:00.200" });
        _ = other.Server;
        var code = CustomFieldHelpers.NewCode("SHARED");
        var name = CustomFieldHelpers.FieldName(code);
        Assert.DoesNotContain(name, await other.TypeFieldsAsync("Deal"));

        var field = await Host.CreateFieldAsync(new { entityType = "DEAL", code, type = "STRING", label = "Shared" });
        var watch = Stopwatch.StartNew();
        while (!(await other.TypeFieldsAsync("Deal")).Contains(name))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), "The other host never saw the new field.");
            await Task.Delay(50);
        }

        var id = await other.CreateDealAsync(new JsonObject { ["title"] = "Written on the other host", [name] = "hello" });
        var read = (await Host.QueryAsync($"query($id: ID!) {{ deal(id: $id) {{ {name} }} }}", new { id })).ShouldSucceed();
        Assert.Equal("hello", read.Data!["deal"]![name]!.GetValue<string>());

        await Host.DeleteFieldAsync(field["id"]!.GetValue<string>());
        watch.Restart();
        while ((await other.TypeFieldsAsync("Deal")).Contains(name))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), "The other host never dropped the deleted field.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_filterable_field_has_an_index_that_its_filter_uses_and_loses_it_when_no_longer_filterable()
    {
        var code = CustomFieldHelpers.NewCode("INDEXED");
        var name = CustomFieldHelpers.FieldName(code);
        var field = await Host.CreateFieldAsync(new { entityType = "DEAL", code, type = "INTEGER", label = "Indexed" });
        var fieldId = field["id"]!.GetValue<string>();
        var indexes = await IndexesAsync(code);
        Assert.Single(indexes);

        var marker = Records.NewMarker("idx-");
        var id = await Host.CreateDealAsync(new JsonObject { ["title"] = marker, [name] = 4242 });
        if (Host.Engine == Engine.Postgres)
        {
            // Enough rows that only the index makes sense, then count the index's scans around one real query.
            await FillDealsAsync(id, "filler ", $"jsonb_build_object('{code}', n)");
            var before = await IndexScansAsync(indexes[0]);
            var found = (await Host.QueryAsync($"{{ deals(where: {{ {name}: {{ eq: 4242 }} }}, first: 10) {{ nodes {{ id }} }} }}")).ShouldSucceed();
            Assert.Equal(2, Records.Ids(found.Data!["deals"]!["nodes"]).Count);
            var watch = Stopwatch.StartNew();
            while (await IndexScansAsync(indexes[0]) <= before)
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), "The filter did not use the field's index.");
            }

            var sorted = (await Host.QueryAsync($"{{ deals(where: {{ {name}: {{ gte: 19990 }} }}, order: [{{ {name}: DESC }}], first: 3) {{ nodes {{ {name} }} }} }}")).ShouldSucceed();
            Assert.Equal([20000L, 19999L, 19998L], sorted.Data!["deals"]!["nodes"]!.AsArray().Select(n => n![name]!.GetValue<long>()));
        }
        else
        {
            // The plan of the very SQL EF sends for the filter, not of SQL written here: the query's
            // key expression must be the index's, or SQLite scans the table.
            using var capture = SqlCapture.Start(Host);
            var found = (await Host.QueryAsync($"{{ deals(where: {{ {name}: {{ eq: 4242 }} }}, first: 10) {{ nodes {{ id }} }} }}")).ShouldSucceed();
            Assert.Equal([id], Records.Ids(found.Data!["deals"]!["nodes"]));
            var sent = capture.Commands.Where(c => c.Text.Contains(code, StringComparison.Ordinal)).ToList();
            Assert.True(sent.Count > 0, $"No SQL naming {code} was sent:\n{string.Join("\n", capture.Commands.Select(c => c.Text))}");
            foreach (var command in sent)
            {
                var plan = await capture.ExplainAsync(command);
                Assert.True(plan.Any(step => step.Contains(indexes[0], StringComparison.Ordinal)),
                    $"The filter's SQL, as EF sent it, does not use the field's index {indexes[0]}: the query's key expression differs from the index's.\nSQL: {command.Text}\nPlan: {string.Join(" | ", plan)}");
            }
        }

        var off = (await Host.QueryAsync("mutation($id: ID!) { updateCustomField(id: $id, input: { filterable: false }) { errors { code } } }", new { id = fieldId })).ShouldSucceed();
        Assert.Empty(off.Data!["updateCustomField"]!["errors"]!.AsArray());
        Assert.Empty(await IndexesAsync(code));
        Assert.DoesNotContain(name, await Host.TypeFieldsAsync("DealFilterInput"));
        Assert.Contains(name, await Host.TypeFieldsAsync("Deal"));
        await Host.QueryRowsAsync($"DELETE FROM {Host.Table("deals", "deals")} WHERE title LIKE 'filler %'");
    }

    [Fact]
    public async Task A_filterable_multiple_field_has_a_list_index_on_postgresql_that_equality_uses()
    {
        var code = CustomFieldHelpers.NewCode("TAGS");
        var name = CustomFieldHelpers.FieldName(code);
        await Host.CreateFieldAsync(new { entityType = "DEAL", code, type = "INTEGER", label = "Tags", multiple = true });
        var indexes = await IndexesAsync(code);
        if (Host.Engine == Engine.Sqlite)
        {
            Assert.Empty(indexes);
            return;
        }

        var id = await Host.CreateDealAsync(new JsonObject { ["title"] = "Tagged", [name] = new JsonArray(424242, 7) });
        await FillDealsAsync(id, "tagged filler ", $"jsonb_build_object('{code}', jsonb_build_array(n, n + 1))");
        var before = await IndexScansAsync(Assert.Single(indexes));
        var found = (await Host.QueryAsync($"{{ deals(where: {{ {name}: {{ in: [424242, 5] }} }}, first: 10) {{ nodes {{ id }} }} }}")).ShouldSucceed();
        Assert.Equal(3, Records.Ids(found.Data!["deals"]!["nodes"]).Count);
        var watch = Stopwatch.StartNew();
        while (await IndexScansAsync(indexes[0]) <= before)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), "The filter did not use the field's list index.");
        }

        await Host.QueryRowsAsync("DELETE FROM deals.deals WHERE title LIKE 'tagged filler %'");
    }

    /// <summary>
    /// 20,000 copies of a deal (PostgreSQL), titled <paramref name="titlePrefix"/> and a number n, with
    /// the custom fields <paramref name="customFieldsSql"/> makes of n; then ANALYZE: enough rows
    /// that only an index makes sense for a selective filter.
    /// </summary>
    private async Task FillDealsAsync(string templateId, string titlePrefix, string customFieldsSql)
    {
        var columns = string.Join(", ", (await Host.QueryRowsAsync(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'deals' AND table_name = 'deals' AND column_name NOT IN ('id', 'title', 'custom_fields')"))
            .Select(r => (string)r["column_name"]!));
        await Host.QueryRowsAsync($"""
            INSERT INTO deals.deals (title, custom_fields, {columns})
            SELECT '{titlePrefix}' || n, {customFieldsSql}, {columns}
            FROM deals.deals, generate_series(1, 20000) AS n WHERE id = @p0 RETURNING 1
            """, long.Parse(templateId, CultureInfo.InvariantCulture));
        await Host.QueryRowsAsync("ANALYZE deals.deals");
    }

    private async Task<List<string>> IndexesAsync(string code)
    {
        var pattern = "%" + code.ToLowerInvariant() + "%";
        var rows = Host.Engine == Engine.Postgres
            ? await Host.QueryRowsAsync("SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'deals' AND indexname LIKE @p0", pattern)
            : await Host.QueryRowsAsync("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE @p0", pattern);
        return rows.Select(r => (string)r["name"]!).ToList();
    }

    private async Task<long> IndexScansAsync(string index)
    {
        // A server process reports its statistics when it ends (or now and then when idle): end
        // the host's pooled connections, which live in this process, then read.
        Npgsql.NpgsqlConnection.ClearAllPools();
        await Task.Delay(200);
        var rows = await Host.QueryRowsAsync("SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = @p0", index);
        return Convert.ToInt64(rows.Single()["idx_scan"], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Lead_conversion_carries_values_to_the_fields_of_the_same_code()
    {
        var code = CustomFieldHelpers.NewCode("CARRIED");
        var name = CustomFieldHelpers.FieldName(code);
        var choice = CustomFieldHelpers.NewCode("CHOICE");
        var choiceName = CustomFieldHelpers.FieldName(choice);
        await Host.CreateFieldAsync(new { entityType = "LEAD", code, type = "INTEGER", label = "Carried" });
        await Host.CreateFieldAsync(new { entityType = "DEAL", code, type = "NUMBER", label = "Carried" });
        var leadChoice = await Host.CreateFieldAsync(new { entityType = "LEAD", code = choice, type = "ENUMERATION", label = "Choice", items = new[] { new { value = "One" }, new { value = "Two" } } });
        var contactChoice = await Host.CreateFieldAsync(new { entityType = "CONTACT", code = choice, type = "ENUMERATION", label = "Choice", items = new[] { new { value = "Zero" }, new { value = "Two" } } });

        var lead = await Host.CreateLeadAsync(new JsonObject
        {
            ["name"] = "Carrier",
            [name] = 77,
            [choiceName] = leadChoice["items"]![1]!["id"]!.GetValue<string>(),
        });
        var converted = (await Host.QueryAsync(
            $"mutation($id: ID!) {{ convertLead(id: $id, input: {{ createContact: true, createDeal: {{ title: \"From lead\" }} }}) {{ deal {{ ... on Deal {{ {name} }} }} contact {{ ... on Contact {{ {choiceName} {{ id value }} }} }} errors {{ code message path }} }} }}",
            new { id = lead })).ShouldSucceed();
        var payload = converted.Data!["convertLead"]!;
        Assert.Empty(payload["errors"]!.AsArray());
        Assert.Equal(77m, payload["deal"]![name]!.GetValue<decimal>());
        Assert.Equal("Two", payload["contact"]![choiceName]!["value"]!.GetValue<string>());
        Assert.Equal(contactChoice["items"]![1]!["id"]!.GetValue<string>(), payload["contact"]![choiceName]!["id"]!.GetValue<string>());
    }
}

[Trait("Engine", "Sqlite")]
public sealed class CustomFieldPlatformTestsOnSqlite(SqliteHost fixture) : CustomFieldPlatformTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class CustomFieldPlatformTestsOnPostgres(PostgresHost fixture) : CustomFieldPlatformTests(fixture), IClassFixture<PostgresHost>;
