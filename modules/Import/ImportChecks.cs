using System.Globalization;
using System.Text;
using Crm.Modules.Import.Mapping;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Import;

/// <summary>
/// What an import must pass before its job is stored (as the caller) and again as it runs (as the
/// owner): the IMPORT right, the request's own bounds, a duplicate rule the type takes, and a mapping
/// whose columns the file has and whose fields the type writes.
/// </summary>
internal static class ImportChecks
{
    /// <summary>Null when the actor may import the type's records; else why not.</summary>
    public static string? RefuseImport(ICurrentActor actor, ICrmEntityDefinition definition) =>
        actor.IsAdministrator || actor.Rights.Level(definition.Name, PermissionAction.Import) > PermissionLevel.None
            ? null
            : $"Importing {definition.PluralName} needs the IMPORT right.";

    /// <summary>The bounds of the request itself (the file's own are the run's).</summary>
    public static IEnumerable<UserError> Bounds(ImportParameters parameters, ImportOptions options)
    {
        if (parameters.Mapping.Count > options.MaxMappingEntries)
        {
            yield return UserError.At(ErrorCodes.LimitExceeded, $"'mapping' has {parameters.Mapping.Count} entries; the limit is {options.MaxMappingEntries} (Import:MaxMappingEntries).", "options", "mapping");
        }

        if (parameters.Mapping.Count == 0)
        {
            yield return UserError.At(ErrorCodes.Required, "'mapping' maps no column: previewImport suggests one.", "options", "mapping");
        }

        if (parameters.Defaults is { } defaults && Encoding.UTF8.GetByteCount(defaults.ToJsonString()) is var size && size > options.MaxDefaultsBytes)
        {
            yield return UserError.At(ErrorCodes.LimitExceeded, $"'defaults' is {size} bytes of JSON; the limit is {options.MaxDefaultsBytes} (Import:MaxDefaultsBytes).", "options", "defaults");
        }
    }

    public static IEnumerable<UserError> Duplicates(IServiceProvider services, ICrmEntityDefinition definition, ImportParameters parameters)
    {
        if (parameters.Duplicates == DuplicateHandling.Create)
        {
            yield break;
        }

        if (services.GetService<IDuplicateMatcher>() is not { } matcher)
        {
            yield return UserError.At(ErrorCodes.InvalidValue, "Matching duplicates needs the Duplicates module, which is off: use duplicates: CREATE.", "options", "duplicates");
            yield break;
        }

        var rules = matcher.RulesOf(services, definition.Name);
        if (parameters.MatchBy is null || !rules.Contains(parameters.MatchBy, StringComparer.Ordinal))
        {
            yield return UserError.At(ErrorCodes.InvalidValue,
                $"'matchBy' must be one of the rules {definition.PluralName} allow: {(rules.Count == 0 ? "none" : string.Join(", ", rules))}.", "options", "matchBy");
        }
    }

    /// <summary>The mapped columns, by the header row (or 1-based numbers without one), each with its target; or why not.</summary>
    public static (List<MappedColumn> Columns, List<UserError> Errors) Columns(ICrmEntityDefinition definition, IServiceProvider services, ImportParameters parameters, string[]? header)
    {
        var (fields, inputOnly) = ImportTargets.Writable(definition, services);
        var columns = new List<MappedColumn>();
        var errors = new List<UserError>();
        for (var i = 0; i < parameters.Mapping.Count; i++)
        {
            var entry = parameters.Mapping[i];
            var at = new[] { "options", "mapping", i.ToString(CultureInfo.InvariantCulture) };
            var index = header is null
                ? int.TryParse(entry.Column, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= 1 ? number - 1 : -1
                : Array.FindIndex(header, h => string.Equals(h.Trim(), entry.Column.Trim(), StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, header is null
                    ? $"'{entry.Column}' is not a column number (1, 2 ...): the file has no header row."
                    : $"The file has no column '{entry.Column}'.", [.. at, "column"]));
                continue;
            }

            var (target, problem) = ImportTargets.Resolve(definition, fields, inputOnly, entry.Field);
            if (target is null)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, problem!, [.. at, "field"]));
                continue;
            }

            if (target.Field?.Kind != FieldKind.ContactPoints && columns.Any(c => c.Target.Name == target.Name))
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{target.Name}' is mapped twice; only contact points may take several columns.", [.. at, "field"]));
                continue;
            }

            columns.Add(new MappedColumn(index, header is null ? $"#{index + 1}" : header[index].Trim(), target));
        }

        return (columns, errors);
    }
}
