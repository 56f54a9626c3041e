using System.Data.Common;
using Crm.Host.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Crm.Host.Tests.Platform;

/// <summary>
/// The <c>crm</c> command line, run as a process: what it writes where (stdout carries only
/// what a command prints, logs go to stderr), its exit codes, and what migrate and seed leave
/// in the database.
/// </summary>
public abstract class CommandLineTests(Engine engine) : IAsyncLifetime
{
    private string _connectionString = "";
    private string? _directory;

    public async Task InitializeAsync()
    {
        if (engine == Engine.Postgres)
        {
            _connectionString = await TestPostgres.CreateDatabaseAsync();
        }
        else
        {
            _directory = Directory.CreateTempSubdirectory("crm-test-cli-").FullName;
            _connectionString = $"Data Source={Path.Combine(_directory, "crm.db")}";
        }
    }

    public Task DisposeAsync()
    {
        if (_directory is not null)
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }

        return Task.CompletedTask;
    }

    private static string CommittedSchema => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "schema.graphql"));

    [Fact]
    public async Task Schema_export_to_stdout_writes_the_schema_and_nothing_else()
    {
        var result = await CrmProcess.RunAsync(CrmProcess.CliAssembly, ["schema", "export", "--output", "-"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(CommittedSchema.TrimEnd('\n'), result.Stdout.TrimEnd('\n'));
    }

    [Fact]
    public async Task Schema_export_to_a_file_writes_the_schema_there()
    {
        var file = Path.Combine(Path.GetTempPath(), $"crm-schema-{Guid.NewGuid():N}.graphql");
        try
        {
            var result = await CrmProcess.RunAsync(CrmProcess.CliAssembly, ["schema", "export", "--output", file]);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Equal(CommittedSchema, await File.ReadAllTextAsync(file));
            Assert.StartsWith("crm: wrote the schema to ", result.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Migrate_applies_every_migration_and_says_so_alone_on_stdout()
    {
        var result = await Crm("migrate");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("crm: every migration is applied.", result.Stdout.Trim());
        // The last module's tables are there, with the bootstrap administrator in them.
        Assert.Equal([1L], await IdsAsync(Table("permissions", "users")));
        Assert.Empty(await IdsAsync(Table("contacts", "contacts")));
    }

    [Fact]
    public async Task A_bad_setting_is_one_line_on_stderr_and_exit_code_1()
    {
        var result = await CrmProcess.RunAsync(CrmProcess.CliAssembly, ["migrate", "--Database:Provider=Oracle", $"--ConnectionStrings:Crm={_connectionString}"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("crm: Database:Provider 'Oracle' is not known; use Sqlite or Postgres.", result.Stderr.Trim());
        Assert.Empty(result.Stdout.Trim());
    }

    [Fact]
    public async Task Seed_assigns_records_only_to_users_that_exist_or_that_it_makes()
    {
        var first = await Crm("seed", "--companies", "4", "--contacts", "8", "--leads", "6", "--deals", "6");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Equal([1L], await IdsAsync(Table("permissions", "users")));
        Assert.Equal([1L], await AssigneesAsync());

        var second = await Crm("seed", "--companies", "3", "--contacts", "6", "--leads", "6", "--deals", "12", "--managers", "3", "--seed", "2");

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("crm: records are assigned to 3 users: 1 that exist and 2 new seed users (ids 2 to 3).", second.Stdout, StringComparison.Ordinal);
        Assert.Equal([1L, 2L, 3L], await IdsAsync(Table("permissions", "users")));
        var assignees = await AssigneesAsync();
        Assert.Subset(new HashSet<long> { 1, 2, 3 }, assignees.ToHashSet());
        Assert.Contains(assignees, id => id != 1);

        // The platform sees the seed's records and users as its own.
        await using var host = new CrmHost(engine, _connectionString);
        var answer = (await host.QueryAsync("{ deals { totalCount } contacts { totalCount } user(id: \"3\") { email active } }")).ShouldSucceed();
        Assert.Equal(18, answer.Data!["deals"]!["totalCount"]!.GetValue<int>());
        Assert.Equal(14, answer.Data!["contacts"]!["totalCount"]!.GetValue<int>());
        Assert.Equal("seed.user3@example.com", answer.Data!["user"]!["email"]!.GetValue<string>());
        Assert.True(answer.Data!["user"]!["active"]!.GetValue<bool>());
    }

    private Task<ProcessResult> Crm(params string[] arguments) =>
        CrmProcess.RunAsync(CrmProcess.CliAssembly, [.. arguments, $"--Database:Provider={engine}", $"--ConnectionStrings:Crm={_connectionString}"]);

    private string Table(string schema, string table) => engine == Engine.Postgres ? $"{schema}.{table}" : $"{schema}_{table}";

    /// <summary>Who the seeded records of every kind are assigned to, and created and changed by.</summary>
    private async Task<List<long>> AssigneesAsync()
    {
        var union = string.Join(" UNION ", new[] { ("companies", "companies"), ("contacts", "contacts"), ("leads", "leads"), ("deals", "deals") }
            .SelectMany(t => new[] { "assigned_by_id", "created_by_id", "updated_by_id" }.Select(column => $"SELECT {column} AS id FROM {Table(t.Item1, t.Item2)}")));
        return await IdsAsync($"({union}) AS people WHERE id IS NOT NULL", distinct: true);
    }

    private async Task<List<long>> IdsAsync(string from, bool distinct = false)
    {
        await using DbConnection connection = engine == Engine.Postgres ? new NpgsqlConnection(_connectionString) : new SqliteConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {(distinct ? "DISTINCT " : "")}id FROM {from} ORDER BY id";
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return ids;
    }
}

[Trait("Engine", "Sqlite")]
public sealed class CommandLineOnSqlite() : CommandLineTests(Engine.Sqlite);

[Trait("Engine", "Postgres")]
public sealed class CommandLineOnPostgres() : CommandLineTests(Engine.Postgres);
