using System.Diagnostics;
using System.Globalization;
using Crm.Host.Hosting;
using Crm.PluginSdk.Data;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Cli.Seeding;

/// <summary>
/// <c>crm seed</c>: applies every migration, then adds generated companies, contacts, leads and
/// deals straight to the database (binary COPY on PostgreSQL, batched INSERTs on SQLite), in one
/// transaction. Rows go in below the platform: no validation and no domain events.
/// </summary>
internal static class SeedCommand
{
    public const string Usage = """
          seed [--companies N] [--contacts N] [--leads N] [--deals N] [--seed S] [--managers M] [--deal-custom-fields]
                                       apply every migration, then add N generated (Bogus) companies, contacts
                                       (in 1-2 companies each), leads and deals (with a company and 1-3 of its
                                       contacts, a primary first) straight to the database, all in one
                                       transaction: binary COPY on PostgreSQL (then VACUUM ANALYZE), batched
                                       INSERTs on SQLite. The same S (default 1) gives the same data on the same
                                       day. Seeded rows get no domain events (nothing is delivered for them), and
                                       are for trials and load tests, not for an installation in use.
                                       --deal-custom-fields also gives deals custom field values (UF_CRM_REGION,
                                       an ENUMERATION item id 1-10, and UF_CRM_BUDGET, a NUMBER) in their
                                       custom_fields document; create the definitions afterwards (see
                                       bench custom-field-filter).
                                       Records are assigned only to users that exist: by default to the active
                                       users (on a new installation, the administrator alone); --managers M
                                       assigns them to M users, the active ones (lowest ids first) and, when there
                                       are fewer, new seed users (people without a password, seed.userN@example.com)
                                       made in the same transaction. The first users carry more records.
        """;

    public static readonly string[] Options = ["--companies", "--contacts", "--leads", "--deals", "--seed", "--managers"];

    public static readonly string[] Flags = ["--deal-custom-fields"];

    public static async Task<int> RunAsync(IReadOnlyDictionary<string, string> options, string[] settings)
    {
        var plan = new SeedPlan(
            Count(options, "--companies"), Count(options, "--contacts"), Count(options, "--leads"), Count(options, "--deals"),
            options.TryGetValue("--seed", out var seedText) ? Number(seedText, "--seed") : 1,
            options.ContainsKey("--deal-custom-fields"),
            options.TryGetValue("--managers", out var managersText) ? Number(managersText, "--managers") : null);
        if (plan.Managers < 1)
        {
            throw new InvalidOperationException("--managers takes a whole number of 1 or more.");
        }
        if (plan.Companies + plan.Contacts + plan.Leads + plan.Deals == 0)
        {
            throw new InvalidOperationException("nothing to seed: give --companies, --contacts, --leads and/or --deals.");
        }

        var total = Stopwatch.StartNew();
        // On a new database EF's migrator probes for each history table and logs every failed
        // probe as an error: quiet the command log unless the settings ask for it.
        await using var app = CrmCommandLine.BuildPlatform(["--Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command=Critical", .. settings]);
        await app.Services.GetRequiredService<PlatformInitializer>().MigrateAsync(CancellationToken.None);
        var migrated = total.Elapsed;

        using var db = SeedDatabase.Open(app.Services.GetRequiredService<DatabaseOptions>());
        var deals = plan.DealCustomFields ? SeedTables.DealsWithCustomFields : SeedTables.Deals;
        var tables = new (SeedTable Table, int Wanted)[]
        {
            // Referenced before referring; link tables right after the rows they link from.
            (SeedTables.Companies, plan.Companies),
            (SeedTables.Contacts, plan.Contacts),
            (SeedTables.ContactCompanies, plan.Contacts),
            (deals, plan.Deals),
            (SeedTables.DealContacts, plan.Deals),
            (SeedTables.Leads, plan.Leads),
        }.Where(s => s.Wanted > 0).Select(s => s.Table).ToList();
        foreach (var table in tables.Where(t => !db.Exists(t)))
        {
            throw new InvalidOperationException($"table {table.Display} does not exist: is its module loaded?");
        }

        var lists = SeedLists.From(db.ReadLists());
        if (plan.Deals > 0 && lists.OpenStages.Count == 0)
        {
            throw new InvalidOperationException("the DEAL_STAGE list has no stages: deals cannot be seeded.");
        }

        if (plan.Leads > 0 && lists.LeadStatus.Count == 0)
        {
            throw new InvalidOperationException("the STATUS list has no items: leads cannot be seeded.");
        }

        var ids = new SeedIds(
            plan.Companies > 0 ? db.NextId(SeedTables.Companies) : 0,
            plan.Contacts > 0 ? db.NextId(SeedTables.Contacts) : 0,
            plan.Leads > 0 ? db.NextId(SeedTables.Leads) : 0,
            plan.Deals > 0 ? db.NextId(SeedTables.Deals) : 0);
        var users = SeedUsers.Plan(db, plan.Managers);
        var generator = new SeedGenerator(plan, ids, lists, users.Assignees, DateTime.UtcNow.Date);
        var generators = new Dictionary<SeedTable, Action<RowWriter>>(ReferenceEqualityComparer.Instance)
        {
            [SeedTables.Companies] = generator.Companies,
            [SeedTables.Contacts] = generator.Contacts,
            [SeedTables.ContactCompanies] = generator.ContactCompanies,
            [deals] = generator.Deals,
            [SeedTables.DealContacts] = generator.DealContacts,
            [SeedTables.Leads] = generator.Leads,
        };

        Console.WriteLine($"crm: seeding {db.Engine} (seed {plan.Seed}); migrations took {migrated.TotalSeconds:0.0} s.");
        Console.WriteLine(users.NewCount > 0
            ? $"crm: records are assigned to {users.Assignees.Count:N0} users: {users.Assignees.Count - users.NewCount:N0} that exist and {users.NewCount:N0} new seed users (ids {users.FirstNewId} to {users.FirstNewId + users.NewCount - 1})."
            : $"crm: records are assigned to {users.Assignees.Count:N0} existing user(s){(users.Assignees.Count <= 5 ? $" (ids {string.Join(", ", users.Assignees)})" : "")}.");
        if (users.NewCount > 0)
        {
            var userLoad = db.Load(SeedTables.Users);
            users.Write(userLoad.Writer, plan.Seed, DateTime.UtcNow);
            userLoad.Finish();
            db.TouchPermissionsVersion();
        }

        Console.WriteLine("crm: no domain events are written for seeded rows.");
        if (plan.DealCustomFields && plan.Deals > 0)
        {
            Console.WriteLine($"crm: deals get custom field values: {SeedCustomFields.RegionCode} (ENUMERATION, item ids 1-{SeedCustomFields.Regions.Length} in "
                + $"{SeedCustomFields.RegionShare:P0} of deals) and {SeedCustomFields.BudgetCode} (NUMBER, in {SeedCustomFields.BudgetShare:P0}); their definitions are not created.");
        }

        var rows = 0L;
        var load = Stopwatch.StartNew();
        foreach (var table in tables)
        {
            var clock = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            generator.Progress = done =>
            {
                if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(5))
                {
                    lastReport = clock.Elapsed;
                    Console.WriteLine($"  {table.Display,-26} {done,12:N0} rows so far, {done / clock.Elapsed.TotalSeconds,10:N0} rows/s");
                }
            };

            var tableLoad = db.Load(table);
            generators[table](tableLoad.Writer);
            var written = tableLoad.Writer.Rows;
            var copied = clock.Elapsed;
            var restored = tableLoad.Finish();
            clock.Stop();
            rows += written;
            var after = tableLoad.RebuildsIndexes ? $" (rows {copied.TotalSeconds:0.00} s, then indexes and keys {restored.TotalSeconds:0.00} s)" : "";
            Console.WriteLine($"  {table.Display,-26} {written,12:N0} rows in {clock.Elapsed.TotalSeconds,7:0.00} s = {written / clock.Elapsed.TotalSeconds,10:N0} rows/s{after}");
        }

        var commit = Stopwatch.StartNew();
        db.Commit();
        commit.Stop();
        load.Stop();
        var optimize = Stopwatch.StartNew();
        db.Optimize(tables);
        optimize.Stop();
        total.Stop();
        Console.WriteLine(
            $"crm: seeded {rows:N0} rows in {load.Elapsed.TotalSeconds:0.00} s = {rows / load.Elapsed.TotalSeconds:N0} rows/s " +
            $"(commit {commit.Elapsed.TotalSeconds:0.00} s); {(db.Engine == "PostgreSQL" ? "VACUUM ANALYZE" : "ANALYZE")} {optimize.Elapsed.TotalSeconds:0.00} s; " +
            $"total {total.Elapsed.TotalSeconds:0.00} s with migrations.");
        return 0;
    }

    private static int Count(IReadOnlyDictionary<string, string> options, string name) =>
        options.TryGetValue(name, out var text) ? Number(text, name) : 0;

    private static int Number(string text, string name) =>
        int.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"{name} takes a whole number of 0 or more, not '{text}'.");
}
