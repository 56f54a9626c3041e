using System.Globalization;
using System.Text.RegularExpressions;

namespace Crm.PluginSdk.Timeline;

/// <summary>The rules a module's timeline kinds must keep (see <see cref="TimelineKindDeclaration"/>); the host checks them when it loads the module.</summary>
internal static partial class TimelineKindRules
{
    /// <summary>Typed fields of one declared kind.</summary>
    public const int MaxFields = 32;

    /// <summary>Kinds one module declares.</summary>
    public const int MaxKindsPerModule = 50;

    /// <summary>The kinds the platform's timeline writes itself; no module may declare them.</summary>
    public static IReadOnlyList<string> PlatformKinds { get; } = ["created", "fieldsChanged", "stageChanged", "converted", "deleted", "comment"];

    /// <summary>The fields every entry has (the <c>TimelineEntry</c> interface's); a declared field may not take their names.</summary>
    public static IReadOnlyList<string> CommonFields { get; } = ["id", "kind", "occurredAt", "actor", "entityType", "entityId"];

    /// <summary>
    /// What is wrong with the kinds module <paramref name="moduleId"/> declares, given those other
    /// modules declared before it (kind and GraphQL type name, each with its module); empty when nothing.
    /// </summary>
    public static IReadOnlyList<string> Problems(string moduleId, IReadOnlyList<TimelineKindDeclaration> kinds, IReadOnlyDictionary<string, string> kindsTaken, IReadOnlyDictionary<string, string> typeNamesTaken)
    {
        var problems = new List<string>();
        if (kinds.Count > MaxKindsPerModule)
        {
            problems.Add($"it declares {kinds.Count.ToString(CultureInfo.InvariantCulture)} timeline kinds; at most {MaxKindsPerModule.ToString(CultureInfo.InvariantCulture)}");
            return problems;
        }

        var ownKinds = new HashSet<string>(StringComparer.Ordinal);
        var ownTypes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var kind in kinds)
        {
            var name = kind.Kind ?? "";
            var what = $"its timeline kind '{Shorten(name)}'";
            if (kind.ModuleId != moduleId)
            {
                problems.Add($"{what} names module '{Shorten(kind.ModuleId ?? "")}', not its own");
            }

            if (!KindName().IsMatch(name))
            {
                problems.Add($"{what} is not a camelCase name of 1 to 64 letters and digits");
            }
            else if (PlatformKinds.Contains(name))
            {
                problems.Add($"{what} is one of the platform's own kinds");
            }
            else if (kindsTaken.TryGetValue(name, out var holder))
            {
                problems.Add($"{what} is declared by module '{holder}' already");
            }
            else if (!ownKinds.Add(name))
            {
                problems.Add($"{what} is declared twice");
            }

            var typeName = kind.GraphTypeName ?? "";
            if (!TypeName().IsMatch(typeName) || typeName.StartsWith("Timeline", StringComparison.Ordinal))
            {
                problems.Add($"{what} has the GraphQL type name '{Shorten(typeName)}': PascalCase letters and digits ending in Entry, at most 100, not starting with Timeline");
            }
            else if (typeNamesTaken.TryGetValue(typeName, out var typeHolder))
            {
                problems.Add($"{what} has the GraphQL type name '{typeName}', which module '{typeHolder}' declared already");
            }
            else if (!ownTypes.Add(typeName))
            {
                problems.Add($"{what} has the GraphQL type name '{typeName}' of another of its kinds");
            }

            problems.AddRange(FieldProblems(what, kind.Fields ?? []));
        }

        return problems;
    }

    private static IEnumerable<string> FieldProblems(string what, IReadOnlyList<TimelineDataField> fields)
    {
        if (fields.Count > MaxFields)
        {
            yield return $"{what} has {fields.Count.ToString(CultureInfo.InvariantCulture)} fields; at most {MaxFields.ToString(CultureInfo.InvariantCulture)}";
            yield break;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            var name = field.Name ?? "";
            if (!FieldName().IsMatch(name))
            {
                yield return $"{what} has a field '{Shorten(name)}' that is not a camelCase name of 1 to 64 letters and digits";
            }
            else if (CommonFields.Contains(name))
            {
                yield return $"{what} has a field '{name}', which every entry has";
            }
            else if (!names.Add(name))
            {
                yield return $"{what} has the field '{name}' twice";
            }

            if (!Enum.IsDefined(field.Type))
            {
                yield return $"{what} has a field '{Shorten(name)}' of no known type";
            }
        }
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;

    [GeneratedRegex("^[a-z][A-Za-z0-9]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex KindName();

    [GeneratedRegex("^[a-z][A-Za-z0-9]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex FieldName();

    [GeneratedRegex("^[A-Z][A-Za-z0-9]{0,94}Entry$", RegexOptions.CultureInvariant)]
    private static partial Regex TypeName();
}
