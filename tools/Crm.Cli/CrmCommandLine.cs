using Crm.Cli.Bench;
using Crm.Cli.Seeding;
using Crm.Host.GraphQL;
using Crm.Host.Hosting;
using GraphQL;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Cli;

/// <summary>
/// <c>crm</c>: administration of a Crm.Platform installation from the shell. It runs the same
/// platform as the host (same configuration: appsettings.json, environment variables such as
/// Database__Provider and ConnectionStrings__Crm, and --Key=Value arguments), without serving.
/// </summary>
public static class CrmCommandLine
{
    private static readonly string Usage = $"""
        usage: crm <command> [options] [--Setting=value ...]

        commands:
          migrate                      apply every pending migration of the platform and its modules
          schema export [--output F]   write the GraphQL schema (SDL) to F (default: schema/schema.graphql
                                       in the repository, or ./schema.graphql outside one); '-' for stdout
        {SeedCommand.Usage}
        {ReferenceReadBench.Usage}
        {CustomFieldFilterBench.Usage}
        {ScriptsBench.Usage}
        {AutomationBench.Usage}
        {PluginCommands.Usage}
          help                         show this text

        Settings are the host's: e.g. --Database:Provider=Postgres --ConnectionStrings:Crm="Host=...".
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var (command, options, settings, repeated) = Split(args);
        try
        {
            return command switch
            {
                ["migrate"] => await MigrateAsync(settings),
                ["schema", "export"] => await ExportSchemaAsync(options.GetValueOrDefault("--output"), settings),
                ["seed"] => await SeedCommand.RunAsync(options, settings),
                ["bench", "reference-read"] => await ReferenceReadBench.RunAsync(options, settings),
                ["bench", "custom-field-filter"] => await CustomFieldFilterBench.RunAsync(options, settings),
                ["bench", "scripts"] => ScriptsBench.Run(options),
                ["bench", "automation"] => await AutomationBench.RunAsync(options, settings),
                ["plugin", ..] => PluginCommands.Run(command, options, repeated.GetValueOrDefault("--dependency") ?? []),
                [] or ["help"] or ["--help"] or ["-h"] => PrintUsage(Console.Out, 0),
                _ => PrintUsage(Console.Error, 2, $"unknown command: {string.Join(' ', command)}"),
            };
        }
        catch (Exception ex) when (StartupFailure.Describe(ex) is { } problem)
        {
            await Console.Error.WriteLineAsync($"crm: {problem}");
            return 1;
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync($"crm: {ex.Message}");
            return 1;
        }
    }

    /// <summary>
    /// The platform as the host builds it, without serving. Its logs go to stderr, so that stdout
    /// carries only what a command prints (the SDL of <c>schema export --output -</c>, say).
    /// </summary>
    internal static WebApplication BuildPlatform(params string[] settings) =>
        CrmApplication.Build(["--Logging:Console:LogToStandardErrorThreshold=Trace", .. settings]);

    private static async Task<int> MigrateAsync(string[] settings)
    {
        await using var app = BuildPlatform(settings);
        var initializer = app.Services.GetRequiredService<PlatformInitializer>();
        await initializer.MigrateAsync(CancellationToken.None);
        Console.WriteLine("crm: every migration is applied.");
        return 0;
    }

    private static async Task<int> ExportSchemaAsync(string? output, string[] settings)
    {
        // The schema does not depend on data: compose it against a throwaway in-memory database,
        // without custom fields (they belong to a database, not to the platform).
        await using var app = BuildPlatform(["--ConnectionStrings:Crm=Data Source=:memory:", "--Database:Provider=Sqlite", "--GraphQL:CustomFields=false", .. settings]);
        var sdl = app.Services.GetRequiredService<SchemaProvider>().Current.Print() + "\n";
        if (output == "-")
        {
            await Console.Out.WriteAsync(sdl);
            return 0;
        }

        var path = Path.GetFullPath(output ?? DefaultSchemaPath());
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, sdl);
        Console.WriteLine($"crm: wrote the schema to {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}.");
        return 0;
    }

    private static string DefaultSchemaPath()
    {
        for (var directory = new DirectoryInfo(Directory.GetCurrentDirectory()); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Crm.Platform.sln")))
            {
                return Path.Combine(directory.FullName, "schema", "schema.graphql");
            }
        }

        return "schema.graphql";
    }

    /// <summary>Options of the commands, each followed by a value (<c>--deals 1000</c> or <c>--deals=1000</c>).</summary>
    private static readonly HashSet<string> ValuedOptions = ["--output", .. SeedCommand.Options, .. ReferenceReadBench.Options, .. CustomFieldFilterBench.Options, .. ScriptsBench.Options, .. AutomationBench.Options, .. PluginCommands.Options];

    /// <summary>Options that may be given more than once; each value is kept.</summary>
    private static readonly HashSet<string> RepeatedOptions = ["--dependency"];

    /// <summary>Options of the commands that take no value.</summary>
    private static readonly HashSet<string> Flags = [.. SeedCommand.Flags, .. ReferenceReadBench.Flags, .. CustomFieldFilterBench.Flags];

    private static (string[] Command, Dictionary<string, string> Options, string[] Settings, Dictionary<string, List<string>> Repeated) Split(string[] args)
    {
        var command = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        var repeated = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var settings = new List<string>();
        void Add(string name, string value)
        {
            options[name] = value;
            if (RepeatedOptions.Contains(name))
            {
                (repeated.TryGetValue(name, out var values) ? values : repeated[name] = []).Add(value);
            }
        }

        for (var i = 0; i < args.Length; i++)
        {
            var equals = args[i].IndexOf('=', StringComparison.Ordinal);
            if (ValuedOptions.Contains(args[i]) && i + 1 < args.Length)
            {
                Add(args[i], args[++i]);
            }
            else if (equals > 0 && ValuedOptions.Contains(args[i][..equals]))
            {
                Add(args[i][..equals], args[i][(equals + 1)..]);
            }
            else if (Flags.Contains(args[i]))
            {
                options[args[i]] = "true";
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                settings.Add(args[i]);
            }
            else
            {
                command.Add(args[i]);
            }
        }

        return ([.. command], options, [.. settings], repeated);
    }

    private static int PrintUsage(TextWriter writer, int exitCode, string? problem = null)
    {
        if (problem is not null)
        {
            writer.WriteLine($"crm: {problem}");
        }

        writer.WriteLine(Usage);
        return exitCode;
    }
}
