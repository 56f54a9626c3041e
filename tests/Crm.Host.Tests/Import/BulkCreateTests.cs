using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Crm.Host.Tests.CustomFields;
using Crm.Host.Tests.Infrastructure;
using Crm.Host.Tests.Jobs;
using Crm.Host.Tests.Permissions;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Host.Tests.Import;

/// <summary>
/// A host whose imports write batches of up to 50 rows (so that a batch's statements can be
/// counted against its rows) and whose leads refuse duplicates (contacts warn of them).
/// </summary>
public abstract class BulkCreateHost(Engine engine) : ImportHost(engine)
{
    public const int LargeBatch = 50;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Import:BatchSize"] = LargeBatch.ToString(CultureInfo.InvariantCulture),
        ["Duplicates:Types:lead"] = "Refuse",
    };
}

public sealed class BulkCreateSqliteHost() : BulkCreateHost(Engine.Sqlite);

public sealed class BulkCreatePostgresHost() : BulkCreateHost(Engine.Postgres);

/// <summary>
/// <see cref="ICrmEntityDefinition.CreateManyAsync"/> answers for each input what a create alone
/// answers, and leaves what the creates alone leave (records, events, duplicate keys): the same
/// inputs (told apart by a tag in their values) are created together and one by one, and the two
/// outcomes compared with the tags and ids put aside. And an import's statements per batch do not
/// grow with its rows.
/// </summary>
public abstract partial class BulkCreateTests(BulkCreateHost fixture)
{
    private CrmHost Host => fixture.Host;

    private static ICrmEntityDefinition Definition(IServiceProvider services, string name) =>
        (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Get(name);

    private static List<object?> Emails(string value) => [new Dictionary<string, object?> { ["value"] = value, ["valueType"] = "WORK" }];

    /// <summary>The same inputs created together and one by one, as <paramref name="signIn"/> signs in: the answers, each record's id (or null) in input order.</summary>
    private async Task<(IReadOnlyList<MutationPayload> Together, IReadOnlyList<MutationPayload> Alone)> BothWaysAsync(
        string type, Func<string, IReadOnlyList<IReadOnlyDictionary<string, object?>>> inputs, Action<CurrentActor> signIn)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        signIn(services.GetRequiredService<CurrentActor>());
        var definition = Definition(services, type);
        var together = await definition.CreateManyAsync(services, inputs("together"), default);
        var alone = new List<MutationPayload>();
        foreach (var input in inputs("alone"))
        {
            alone.Add(await definition.CreateAsync(services, input, default));
        }

        return (together, alone);
    }

    private static long? IdOf(MutationPayload payload) => (payload.Record as ICrmRecord)?.Id;

    /// <summary>An answer with its tag and the ids of its run's records put as positions: comparable across the two runs.</summary>
    private static string Described(MutationPayload payload, IReadOnlyList<MutationPayload> run, string tag, long? existing = null)
    {
        var positions = run.Select((p, i) => (Id: IdOf(p), i)).Where(p => p.Id is not null).ToDictionary(p => p.Id!.Value, p => "#" + p.i.ToString(CultureInfo.InvariantCulture));
        if (existing is { } before)
        {
            positions[before] = "the run's existing one";
        }

        string Position(Match m) => long.TryParse(m.Value, CultureInfo.InvariantCulture, out var id) && positions.TryGetValue(id, out var at) ? at : m.Value;
        // The records a message names ("Contacts 3, 5 have the same e-mail").
        string Ids(string text) => Regex.Replace(text, @"((?:Contact|Lead)s? )(\d+(?:, \d+)*)", m => m.Groups[1].Value + Regex.Replace(m.Groups[2].Value, @"\d+", Position));
        var text = new StringBuilder(payload.Record is null ? "refused" : "created");
        foreach (var error in payload.Errors)
        {
            text.Append($" | {error.Code} {string.Join('.', error.Path)} {Ids(error.Message)}");
        }

        foreach (var warning in payload.Duplicates)
        {
            text.Append($" | warns {warning.Rule} [{string.Join(",", warning.Ids.Select(id => positions.TryGetValue(id, out var at) ? at : "another"))}] {Ids(warning.Message)}");
        }

        return text.ToString().Replace(tag, "<tag>", StringComparison.Ordinal);
    }

    /// <summary>What the database holds of each record of a run, in input order: its events (kinds) and its match keys, the tag put aside.</summary>
    private async Task<List<string>> StoredAsync(string schema, string type, IReadOnlyList<MutationPayload> run, string tag, string? phone = null)
    {
        var stored = new List<string>();
        foreach (var payload in run)
        {
            if (IdOf(payload) is not { } id)
            {
                stored.Add("nothing");
                continue;
            }

            var events = await Host.QueryRowsAsync($"SELECT kind FROM {Host.Table(schema, "outbox")} WHERE entity_type = @p0 AND entity_id = @p1 ORDER BY id", type, id);
            var keys = await Host.QueryRowsAsync($"SELECT rule, key FROM {Host.Table("duplicates", "record_keys")} WHERE entity_type = @p0 AND record_id = @p1 ORDER BY rule, key", type, id);
            var described = string.Join(",", events.Select(e => e["kind"])) + " / " + string.Join(",", keys.Select(k => $"{k["rule"]}:{k["key"]}")).Replace(tag, "<tag>", StringComparison.Ordinal);
            stored.Add(phone is null ? described : described.Replace(phone, "<phone>", StringComparison.Ordinal));
        }

        return stored;
    }

    private static void SignInAdmin(CurrentActor actor) => actor.SignIn(1, isAdministrator: true);

    [Fact]
    public async Task Contacts_created_together_are_what_each_create_alone_makes_with_refusals_and_duplicates_of_each_other()
    {
        var marker = Records.NewMarker("Bulk");
        // Each run has its own existing duplicate, and its own phone: the runs do not match each other.
        var existing = await Host.CreateContactAsync(new { name = "Old", lastName = marker, emails = new[] { new { value = $"old.together.{marker}@example.com", valueType = "WORK" } } });
        var existingAlone = await Host.CreateContactAsync(new { name = "Old", lastName = marker, emails = new[] { new { value = $"old.alone.{marker}@example.com", valueType = "WORK" } } });
        static string Phone(string tag) => tag == "together" ? "600100201" : "600100202";
        IReadOnlyList<IReadOnlyDictionary<string, object?>> Inputs(string tag) =>
        [
            new Dictionary<string, object?> { ["name"] = "Ann", ["lastName"] = marker + tag, ["emails"] = Emails($"ann.{tag}.{marker}@example.com"), ["post"] = "Chief" },
            new Dictionary<string, object?> { ["post"] = "Nobody" }, // no name: the contact's own hook refuses it
            new Dictionary<string, object?> { ["name"] = "Ann again", ["lastName"] = marker + tag, ["emails"] = Emails($"ANN.{tag}.{marker}@example.com") }, // a duplicate of the first
            new Dictionary<string, object?> { ["name"] = new string('x', 1000), ["lastName"] = marker + tag }, // too long for the binder
            new Dictionary<string, object?> { ["name"] = "Linked", ["lastName"] = marker + tag, ["companyIds"] = new List<object?> { 987654321L } }, // a company that is none
            new Dictionary<string, object?> { ["name"] = "Old's twin", ["lastName"] = marker + tag, ["emails"] = Emails($"old.{tag}.{marker}@example.com") }, // a duplicate of an existing one
            new Dictionary<string, object?> { ["name"] = "Bo", ["lastName"] = marker + tag, ["phones"] = new List<object?> { new Dictionary<string, object?> { ["value"] = "+48 " + Phone(tag), ["valueType"] = "MOBILE" } } },
        ];

        var (together, alone) = await BothWaysAsync("contact", Inputs, SignInAdmin);

        Assert.Equal(alone.Select(p => Described(p, alone, "alone", long.Parse(existingAlone, CultureInfo.InvariantCulture))),
            together.Select(p => Described(p, together, "together", long.Parse(existing, CultureInfo.InvariantCulture))));
        Assert.Equal(["created", "refused", "created", "refused", "refused", "created", "created"], together.Select(p => p.Record is null ? "refused" : "created"));
        Assert.Contains(together[5].Duplicates, w => w.Ids.Contains(long.Parse(existing, CultureInfo.InvariantCulture)));
        Assert.Equal(await StoredAsync("contacts", "contact", alone, "alone", Phone("alone")), await StoredAsync("contacts", "contact", together, "together", Phone("together")));
        var rows = (await Host.ContactsAsync(marker)).Select(c => $"{c!["name"]} {c["post"]} {c["emails"]!.ToJsonString()} {c["phones"]!.ToJsonString()}"
            .Replace("alone", "<tag>", StringComparison.Ordinal).Replace("together", "<tag>", StringComparison.Ordinal).Replace(Phone("alone"), "<phone>", StringComparison.Ordinal).Replace(Phone("together"), "<phone>", StringComparison.Ordinal)).ToList();
        // The two existing ones, then each run's four records (the run together first), equal.
        Assert.Equal(10, rows.Count);
        Assert.Equal(rows.Skip(2).Take(4), rows.Skip(6));
    }

    /// <summary>What the database holds of each record of a run beyond its events' kinds: each event's envelope (its own id and time put aside) and the record's row.</summary>
    private async Task<List<string>> WrittenAsync(IReadOnlyList<MutationPayload> run, string tag)
    {
        var written = new List<string>();
        foreach (var id in run.Select(IdOf).OfType<long>())
        {
            var events = await Host.QueryRowsAsync($"SELECT kind, payload FROM {Host.Table("contacts", "outbox")} WHERE entity_type = 'contact' AND entity_id = @p0 ORDER BY id", id);
            var row = (await Host.QueryRowsAsync($"SELECT * FROM {Host.Table("contacts", "contacts")} WHERE id = @p0", id)).Single();
            // Every column as stored (JSON documents, search content, authors), but the id and the save's times.
            var columns = row.Where(c => c.Key is not ("id" or "created_at" or "updated_at")).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}");
            var envelopes = events.Select(e =>
            {
                var envelope = System.Text.Json.Nodes.JsonNode.Parse((string)e["payload"]!)!.AsObject();
                envelope.Remove("id");
                envelope.Remove("occurredAt");
                return $"{e["kind"]} {Regex.Replace(envelope.ToJsonString(), $@"(""(?:entityId|recordId|id)"":){id.ToString(CultureInfo.InvariantCulture)}\b", "$1<id>")}";
            });
            written.Add((string.Join(" ", envelopes) + " / " + string.Join(" ", columns)).Replace(tag, "<tag>", StringComparison.Ordinal));
        }

        return written;
    }

    [Fact]
    public async Task Many_contacts_created_together_are_written_as_each_create_alone_writes_them()
    {
        var marker = Records.NewMarker("BulkMany");
        // A custom field (the JSON document column), a date and a list value among the copied values.
        var tags = (await Host.CreateFieldAsync(new { entityType = "CONTACT", code = CustomFieldHelpers.NewCode("BULKTAGS"), type = "STRING", label = "Tags " + marker, multiple = true }))["fieldName"]!.GetValue<string>();
        await using var scope = Host.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        SignInAdmin(services.GetRequiredService<CurrentActor>());
        var definition = Definition(services, "contact");
        // More rows than a save writes with EF's inserts on PostgreSQL: the rows and events go by COPY there.
        IReadOnlyList<IReadOnlyDictionary<string, object?>> Inputs(string tag) =>
        [
            .. Enumerable.Range(0, 24).Select(i => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>
            {
                ["name"] = $"Ann{i}", ["lastName"] = marker + tag, ["post"] = i % 3 == 0 ? null : $"Chief {i}", ["comments"] = i % 2 == 0 ? $"Met on day {i}, \"quoted\"\n\ttabbed ż" : null,
                ["emails"] = Emails($"ann{i}.{tag}.{marker}@example.com"), ["birthdate"] = i % 4 == 0 ? null : new DateOnly(1980, 1, i + 1), ["sourceId"] = i % 2 == 0 ? "CALL" : null,
                [tags] = i % 3 == 1 ? null : new List<object?> { "red", $"tag {i}" },
                ["phones"] = new List<object?> { new Dictionary<string, object?> { ["value"] = $"+48 6{(tag == "together" ? 1 : 2)}{i:D2}00{i:D3}", ["valueType"] = "MOBILE" } },
            }),
            new Dictionary<string, object?> { ["post"] = "Nobody" }, // refused by the contact's hook: the rest is still written together
            new Dictionary<string, object?> { ["name"] = "Twin", ["lastName"] = marker + tag, ["emails"] = Emails($"ANN3.{tag}.{marker}@example.com") }, // warned of as a duplicate of the fourth
        ];

        using var sql = SqlCapture.Start(Host);
        var together = await definition.CreateManyAsync(services, Inputs("together"), default);
        var sent = sql.Commands.Select(c => c.Text).ToList();
        // PostgreSQL: the records went without EF's change tracking (its Add, DetectChanges and accepting were most of an import's CPU).
        var contacts = (Microsoft.EntityFrameworkCore.DbContext)services.GetRequiredService(
            services.GetRequiredService<IEnumerable<Crm.PluginSdk.Data.ModuleDatabaseRegistration>>().Single(r => r.Schema == "contacts").ContextType);
        Assert.Equal(Host.Engine == Engine.Postgres ? 0 : 25, contacts.ChangeTracker.Entries().Count(e => e.Entity is ICrmRecord));
        var alone = new List<MutationPayload>();
        foreach (var input in Inputs("alone"))
        {
            alone.Add(await definition.CreateAsync(services, input, default));
        }

        Assert.Equal(alone.Select(p => Described(p, alone, "alone")), together.Select(p => Described(p, together, "together")));
        Assert.Equal(25, together.Count(p => p.Record is not null));
        // Each run's phones differ in one digit, so that the runs do not match each other.
        string Untagged(string text) => Regex.Replace(text.Replace("alone", "<tag>", StringComparison.Ordinal).Replace("together", "<tag>", StringComparison.Ordinal), @"6[12](\d\d00\d{3})", "6x$1");
        Assert.Equal((await StoredAsync("contacts", "contact", alone, "alone")).Select(Untagged), (await StoredAsync("contacts", "contact", together, "together")).Select(Untagged));
        var writtenAlone = (await WrittenAsync(alone, "alone")).Select(Untagged).ToList();
        var writtenTogether = (await WrittenAsync(together, "together")).Select(Untagged).ToList();
        Assert.All(writtenAlone.Zip(writtenTogether), pair => Assert.Equal(pair.First, pair.Second));
        Assert.Equal(writtenAlone.Count, writtenTogether.Count);
        var rows = (await Host.ContactsAsync(marker)).Select(c => Untagged($"{c!["name"]} {c["post"]} {c["emails"]!.ToJsonString()} {c["phones"]!.ToJsonString()}")).ToList();
        Assert.Equal(50, rows.Count);
        Assert.Equal(rows.Take(25), rows.Skip(25));
        Assert.Equal(together.Select(IdOf).OfType<long>().Order(), together.Select(IdOf).OfType<long>()); // ids in input order, as one by one

        // PostgreSQL: the ids from the sequence in one statement, no EF insert of the contacts or their events.
        var inserts = sent.Where(t => Regex.IsMatch(t, @"INSERT INTO ""contacts[._""]+(contacts|outbox)""")).ToList();
        if (Host.Engine == Engine.Postgres)
        {
            Assert.Empty(inserts);
            Assert.Equal(2, sent.Count(t => t.Contains("nextval(", StringComparison.Ordinal)));
        }
        else
        {
            Assert.NotEmpty(inserts);
        }
    }

    [Fact]
    public async Task Leads_refusing_duplicates_are_refused_alone_in_a_batch_even_of_each_other_and_leave_nothing()
    {
        var marker = Records.NewMarker("BulkLead");
        await Host.CreateLeadAsync(new { title = marker + " existing", emails = new[] { new { value = $"taken.{marker}@example.com", valueType = "WORK" } } });
        IReadOnlyList<IReadOnlyDictionary<string, object?>> Inputs(string tag) =>
        [
            new Dictionary<string, object?> { ["title"] = $"{marker} {tag} first", ["emails"] = Emails($"one.{tag}.{marker}@example.com") },
            new Dictionary<string, object?> { ["title"] = $"{marker} {tag} its twin", ["emails"] = Emails($"one.{tag}.{marker}@example.com") },
            new Dictionary<string, object?> { ["title"] = $"{marker} {tag} other", ["emails"] = Emails($"two.{tag}.{marker}@example.com") },
            new Dictionary<string, object?> { ["title"] = $"{marker} {tag} taken", ["emails"] = Emails($"taken.{marker}@example.com") },
            new Dictionary<string, object?> { ["title"] = $"{marker} {tag} last", ["emails"] = Emails($"three.{tag}.{marker}@example.com") },
        ];

        var (together, alone) = await BothWaysAsync("lead", Inputs, SignInAdmin);

        Assert.Equal(alone.Select(p => Described(p, alone, "alone")), together.Select(p => Described(p, together, "together")));
        Assert.Equal(["created", "refused", "created", "refused", "created"], together.Select(p => p.Record is null ? "refused" : "created"));
        Assert.Equal("DUPLICATE", together[1].Errors[0].Code);
        Assert.Equal(await StoredAsync("leads", "lead", alone, "alone"), await StoredAsync("leads", "lead", together, "together"));
        // The refused ones left nothing: no lead, no key, no event.
        var titles = await Host.QueryRowsAsync($"SELECT title FROM {Host.Table("leads", "leads")} WHERE title LIKE @p0 ORDER BY id", marker + " together%");
        Assert.Equal([$"{marker} together first", $"{marker} together other", $"{marker} together last"], titles.Select(t => (string)t["title"]!));
    }

    [Fact]
    public async Task Twenty_bulk_creates_at_once_of_one_new_e_mail_leave_one_lead_with_it()
    {
        var marker = Records.NewMarker("BulkRace");
        var shared = $"shared.{marker}@example.com";

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            await using var scope = Host.Services.CreateAsyncScope();
            var services = scope.ServiceProvider;
            SignInAdmin(services.GetRequiredService<CurrentActor>());
            return await Definition(services, "lead").CreateManyAsync(services,
            [
                new Dictionary<string, object?> { ["title"] = $"{marker} {i} shared", ["emails"] = Emails(shared) },
                new Dictionary<string, object?> { ["title"] = $"{marker} {i} own", ["emails"] = Emails($"own{i}.{marker}@example.com") },
            ], default);
        }));

        // One writer of the shared e-mail wins, the others are refused as duplicates; every own one is created.
        Assert.Single(answers, a => a[0].Errors.Count == 0);
        Assert.All(answers.Where(a => a[0].Errors.Count > 0), a => Assert.Equal("DUPLICATE", a[0].Errors[0].Code));
        Assert.All(answers, a => Assert.Empty(a[1].Errors));
        var leads = await Host.QueryRowsAsync($"SELECT title FROM {Host.Table("leads", "leads")} WHERE title LIKE @p0", marker + "%");
        Assert.Equal(21, leads.Count);
    }

    [Fact]
    public async Task Rights_refuse_inputs_one_by_one_as_a_create_alone_does()
    {
        var marker = Records.NewMarker("BulkRights");
        var user = long.Parse((await Host.NewUserWithKeyAsync("bulkadder")).Id, CultureInfo.InvariantCulture);
        var rights = new AccessRights(user, new Dictionary<(string, string?, PermissionAction), PermissionLevel>
        {
            [("contact", null, PermissionAction.Add)] = PermissionLevel.Own,
            [("contact", null, PermissionAction.Read)] = PermissionLevel.Own,
        }, new HashSet<long> { user }, new HashSet<long> { user }, canConfigure: false);
        // The administrator's contacts, which the user may not read, share the e-mail of the user's
        // first and third: the duplicate check runs under the user's read condition and names only
        // the first, which the user may read.
        foreach (var tag in new[] { "together", "alone" })
        {
            await Host.CreateContactAsync(new { name = "Hidden", lastName = marker, emails = new[] { new { value = $"shared.{tag}.{marker}@example.com", valueType = "WORK" } } });
        }

        IReadOnlyList<IReadOnlyDictionary<string, object?>> Inputs(string tag) =>
        [
            new Dictionary<string, object?> { ["name"] = "Mine", ["lastName"] = marker + tag, ["emails"] = Emails($"shared.{tag}.{marker}@example.com") },
            new Dictionary<string, object?> { ["name"] = "Given away", ["lastName"] = marker + tag, ["assignedById"] = 1L },
            new Dictionary<string, object?> { ["name"] = "Mine too", ["lastName"] = marker + tag, ["assignedById"] = user, ["emails"] = Emails($"shared.{tag}.{marker}@example.com") },
        ];

        var (together, alone) = await BothWaysAsync("contact", Inputs, actor => actor.SignIn(user, rights));
        Assert.Empty(together[0].Duplicates);
        Assert.Equal([IdOf(together[0])!.Value], together[2].Duplicates.Single().Ids);

        Assert.Equal(alone.Select(p => Described(p, alone, "alone")), together.Select(p => Described(p, together, "together")));
        Assert.Equal("FORBIDDEN", together[1].Errors[0].Code);
        Assert.True(together[0].Errors.Count == 0, Described(together[0], together, "together"));
        Assert.Equal([user, user], together.Where(p => p.Record is not null).Select(p => ((IOwnedRecord)p.Record!).AssignedById));
    }

    /// <summary>Imports <paramref name="rows"/> contacts (e-mails numbered from <paramref name="from"/>) in one batch; answers the statements its run sent and the finished job.</summary>
    private async Task<(int Statements, System.Text.Json.Nodes.JsonNode Job, string Sent)> ImportCountedAsync(string marker, int from, int rows, string duplicates)
    {
        var csv = "Name,Last name,Email\n" + string.Concat(Enumerable.Range(from, rows).Select(i => $"N{i},{marker},n{i}.{marker}@example.com\n"));
        var mapping = new[] { new { column = "Name", field = "name" }, new { column = "Last name", field = "lastName" }, new { column = "Email", field = "emails" } };
        var fileId = await Host.UploadAsync(Encoding.UTF8.GetBytes(csv));
        var start = (await Host.StartImportAsync("CONTACT", fileId, new { mapping, duplicates, matchBy = duplicates == "CREATE" ? null : "EMAIL" })).Ok();
        using var sql = SqlCapture.Start(Host);
        await Host.RunJobsAsync();
        // The event dispatcher, woken by the batch's commit, is not the import's.
        // What the rows cost: the statements on the contacts (their rows, events, companies), their
        // match keys and the import's progress; the host's background work (caches' polls, the job's
        // lease) is not the rows'. EF Core's SQLite provider sends each inserted row as a command of
        // its own (in process: no round trip to save), so those are left out there.
        string[] tables = ["contacts", "record_keys", "import_progress"];
        var counted = sql.Commands.Where(c => tables.Any(t => c.Text.Contains(t, StringComparison.Ordinal))
            && !(Host.Engine == Engine.Sqlite && c.Text.StartsWith("INSERT INTO \"contacts_", StringComparison.Ordinal))).ToList();
        var sent = string.Join("\n", counted.GroupBy(c => c.Text.Length > 100 ? c.Text[..100] : c.Text).Select(g => $"{g.Count()} x {g.Key}"));
        return (counted.Count, (await Host.JobWithCountsAsync(start["job"]!["id"]!.GetValue<string>()))!, sent);
    }

    [Fact]
    public async Task An_imports_statements_per_batch_do_not_grow_with_its_rows()
    {
        var marker = Records.NewMarker("Counted");

        var few = await ImportCountedAsync(marker, 0, 4, "CREATE");
        var many = await ImportCountedAsync(marker, 100, 40, "CREATE");
        Assert.Equal((4L, 40L), (few.Job.Count("imported"), many.Job.Count("imported")));
        Assert.True(many.Statements - few.Statements <= 2, $"CREATE: 4 rows {few.Statements} statements, 40 rows {many.Statements}:\n{few.Sent}\n---\n{many.Sent}");

        // Skipping: half the rows are there already (one lookup for the batch, not one per row).
        var fewSkipped = await ImportCountedAsync(marker, 98, 4, "SKIP");
        var manySkipped = await ImportCountedAsync(marker, 120, 40, "SKIP");
        Assert.Equal((2L, 2L, 20L, 20L), (fewSkipped.Job.Count("imported"), fewSkipped.Job.Count("skipped"), manySkipped.Job.Count("imported"), manySkipped.Job.Count("skipped")));
        Assert.True(manySkipped.Statements - fewSkipped.Statements <= 2, $"SKIP: 4 rows {fewSkipped.Statements} statements, 40 rows {manySkipped.Statements}:\n{fewSkipped.Sent}\n---\n{manySkipped.Sent}");
    }

    [Fact]
    public async Task Rows_of_one_batch_that_duplicate_each_other_are_matched_as_if_imported_one_by_one()
    {
        var marker = Records.NewMarker("InFile");
        var mapping = new[] { new { column = "Name", field = "name" }, new { column = "Last name", field = "lastName" }, new { column = "Email", field = "emails" }, new { column = "Position", field = "post" } };
        var file = Encoding.UTF8.GetBytes($"Name,Last name,Email,Position\nA,{marker},a.{marker}@example.com,first\nB,{marker},b.{marker}@example.com,\n"
            + $"A2,{marker},A.{marker}@EXAMPLE.com,second\nC,{marker},c.{marker}@example.com,\nA3,{marker},a.{marker}@example.com,third\n");

        var skipped = await Host.ImportAsync("CONTACT", file, new { duplicates = "SKIP", matchBy = "EMAIL", mapping });
        Assert.Equal((3L, 2L), (skipped.Count("imported"), skipped.Count("skipped")));
        Assert.Equal(["A", "B", "C"], (await Host.ContactsAsync(marker)).Select(c => c!["name"]!.GetValue<string>()));

        // Updating: the later rows of one person update the record the first made, in file order.
        var updatedMarker = Records.NewMarker("InFileUp");
        var updated = await Host.ImportAsync("CONTACT", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(file).Replace(marker, updatedMarker, StringComparison.Ordinal)), new { duplicates = "UPDATE", matchBy = "EMAIL", mapping });
        Assert.Equal((3L, 2L), (updated.Count("imported"), updated.Count("updated")));
        var contacts = await Host.ContactsAsync(updatedMarker);
        Assert.Equal(["A3 third", "B ", "C "], contacts.Select(c => $"{c!["name"]} {c["post"]}"));
    }

    [Fact]
    public async Task More_inputs_than_the_bound_are_refused_before_any_work()
    {
        var marker = Records.NewMarker("BulkBound");
        await using var scope = Host.Services.CreateAsyncScope();
        SignInAdmin(scope.ServiceProvider.GetRequiredService<CurrentActor>());
        var inputs = Enumerable.Range(0, ICrmEntityDefinition.MaxCreateManyInputs * 10)
            .Select(i => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { ["name"] = "N" + i.ToString(CultureInfo.InvariantCulture), ["lastName"] = marker }).ToList();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Definition(scope.ServiceProvider, "contact").CreateManyAsync(scope.ServiceProvider, inputs, default));
        Assert.Empty(await Host.ContactsAsync(marker));
    }
}

[Trait("Engine", "Sqlite")]
public sealed class BulkCreateOnSqlite(BulkCreateSqliteHost fixture) : BulkCreateTests(fixture), IClassFixture<BulkCreateSqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class BulkCreateOnPostgres(BulkCreatePostgresHost fixture) : BulkCreateTests(fixture), IClassFixture<BulkCreatePostgresHost>;
