using System.Diagnostics;
using Npgsql;

namespace Crm.Host.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the tests use: the one named by <c>CRM_TEST_POSTGRES</c> (CI starts
/// it), or else a throwaway cluster started once per test run with <c>.ci/postgres.sh</c> and
/// stopped when the run ends. Each host under test gets a database of its own.
/// </summary>
public static class TestPostgres
{
    public const string Variable = "CRM_TEST_POSTGRES";
    private static readonly Lazy<string> Server = new(StartOrFind, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A new empty database (or a copy of <paramref name="template"/>, see <see cref="MigratedDatabases"/>): its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string? template = null)
    {
        var name = "crm_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(Server.Value))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(template is null ? $"CREATE DATABASE {name}" : $"CREATE DATABASE {name} TEMPLATE {template}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(Server.Value) { Database = name }.ToString();
    }

    private static string StartOrFind()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured)
        {
            return configured;
        }

        var root = RepositoryRoot();
        var dataDirectory = Directory.CreateTempSubdirectory("crm-test-pg-").FullName;
        var start = Run(Path.Combine(root, ".ci", "postgres.sh"), $"start {dataDirectory}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Run(Path.Combine(root, ".ci", "postgres.sh"), $"stop {dataDirectory}");
        return start.Trim();
    }

    private static string Run(string script, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", $"{script} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? output
            : throw new InvalidOperationException(
                $"{script} {arguments} failed ({process.ExitCode}): it needs Debian's postgresql-15 (or root to install it). Set {Variable} to the "
                + $"connection string of any PostgreSQL 15 server instead, e.g. one from Docker's postgres:15 image (see the README).\n{error}");
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Crm.Platform.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The tests must run inside the repository.");
    }
}
