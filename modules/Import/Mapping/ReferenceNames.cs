using System.Globalization;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Import.Mapping;

/// <summary>
/// Users and records a batch's cells name by name rather than by id, looked up once per batch:
/// a user field (<c>assignedById</c>) takes an active user's e-mail or full name (the SDK's
/// <see cref="IUserDirectory.FindActiveUsersAsync"/>); a link to another record (a deal's
/// <c>companyId</c>, a contact's <c>companyIds</c>, several split on ';') takes the exact title of a
/// record the importer may read, through that type's own list (one list per batch and type). A name
/// that matches nothing, or more than one, refuses its row. Cells of ids are left as they were.
/// </summary>
internal sealed class ReferenceNames
{
    /// <summary>The most pages of matching records one batch reads per type: past them, the titles still unmatched are refused.</summary>
    public const int MaxPagesPerType = 10;

    private static readonly ReferenceNames None = new(new Dictionary<string, IReadOnlyList<long>>(), new Dictionary<string, Titles>(), new Dictionary<string, string>());

    private readonly IReadOnlyDictionary<string, IReadOnlyList<long>> _users;
    private readonly IReadOnlyDictionary<string, Titles> _records;
    private readonly IReadOnlyDictionary<string, string> _typeOfTarget;

    /// <summary>The records of one type by title, and whether the lookup stopped at its bound.</summary>
    private sealed record Titles(string PluralName, IReadOnlyDictionary<string, List<long>> Ids, bool Cut);

    private ReferenceNames(IReadOnlyDictionary<string, IReadOnlyList<long>> users, IReadOnlyDictionary<string, Titles> records, IReadOnlyDictionary<string, string> typeOfTarget)
    {
        _users = users;
        _records = records;
        _typeOfTarget = typeOfTarget;
    }

    /// <summary>Looks up what the batch's cells name in the columns that take users or records: one lookup of users, one list per referenced type.</summary>
    public static async Task<ReferenceNames> LookUpAsync(IServiceProvider services, ICrmEntityDefinition definition, IReadOnlyList<MappedColumn> columns, IEnumerable<string[]> rows,
        CancellationToken cancellationToken)
    {
        var registry = services.GetRequiredService<IEntityRegistry>();
        var relations = services.GetServices<ISchemaContributor>().OfType<CrmRelationDefinition>().ToList();
        var userColumns = columns.Where(c => c.Target.Field?.UserField is not null).ToList();
        var typeOfTarget = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            var type = column.Target.Field is { } field
                ? field.ReferenceType
                : relations.FirstOrDefault(r => r.FromType == definition.Name && r.FromInputName == column.Target.Name)?.ToType;
            // Only a type whose title is one field can be looked up by it.
            if (type is not null && registry.Find(type) is ICrmEntityDefinition { TitleFields.Count: 1 })
            {
                typeOfTarget[column.Target.Name] = type;
            }
        }

        if (userColumns.Count == 0 && typeOfTarget.Count == 0)
        {
            return None;
        }

        var userNames = new HashSet<string>(StringComparer.Ordinal);
        var titles = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var cells in rows)
        {
            foreach (var column in columns)
            {
                var text = column.Index < cells.Length ? cells[column.Index].Trim() : "";
                if (text.Length == 0 || IsIds(text))
                {
                    continue;
                }

                if (column.Target.Field?.UserField is not null)
                {
                    userNames.Add(text);
                }
                else if (typeOfTarget.TryGetValue(column.Target.Name, out var type))
                {
                    var wanted = titles.TryGetValue(type, out var set) ? set : titles[type] = new HashSet<string>(StringComparer.Ordinal);
                    wanted.UnionWith(TitlesIn(column.Target, text));
                }
            }
        }

        var users = userNames.Count == 0 || services.GetService<IUserDirectory>() is not { } directory
            ? new Dictionary<string, IReadOnlyList<long>>()
            : await directory.FindActiveUsersAsync(userNames, cancellationToken);
        var records = new Dictionary<string, Titles>(StringComparer.Ordinal);
        foreach (var (type, wanted) in titles)
        {
            records[type] = await RecordsTitledAsync(services, (ICrmEntityDefinition)registry.Find(type)!, wanted, cancellationToken);
        }

        return new ReferenceNames(users, records, typeOfTarget);
    }

    /// <summary>Whether a column names records of <paramref name="type"/> by title (an import of a type linking to its own kind).</summary>
    public bool NamesRecordsOf(string type) => _typeOfTarget.Values.Contains(type, StringComparer.Ordinal);

    /// <summary>The titles of records of <paramref name="type"/> that a row's cells name, in the columns linking to that type.</summary>
    public IEnumerable<string> TitlesNamed(string type, IReadOnlyList<MappedColumn> columns, string[] cells)
    {
        foreach (var column in columns)
        {
            var text = column.Index < cells.Length ? cells[column.Index].Trim() : "";
            if (text.Length > 0 && !IsIds(text) && _typeOfTarget.GetValueOrDefault(column.Target.Name) == type)
            {
                foreach (var title in TitlesIn(column.Target, text))
                {
                    yield return title;
                }
            }
        }
    }

    /// <summary>
    /// The value for <paramref name="target"/> that <paramref name="text"/> names (an id, or ids), or why
    /// it names none or several; false when the target does not take names or the text is ids already.
    /// </summary>
    public bool TryResolve(ImportTarget target, string text, out object? value, out RowRejection? rejection)
    {
        value = null;
        rejection = null;
        if (IsIds(text))
        {
            return false;
        }

        if (target.Field?.UserField is not null)
        {
            var matches = _users.GetValueOrDefault(text) ?? [];
            rejection = matches.Count switch
            {
                0 => new RowRejection("", ErrorCodes.NotFound, $"No active user has the e-mail or name '{text}'."),
                1 => null,
                _ => new RowRejection("", ErrorCodes.InvalidValue, $"{matches.Count} active users are called '{text}': give their e-mail or id."),
            };
            value = rejection is null ? Id(matches[0]) : null;
            return true;
        }

        if (!_typeOfTarget.TryGetValue(target.Name, out var type) || !_records.TryGetValue(type, out var titled))
        {
            return false;
        }

        var ids = new List<object?>();
        foreach (var title in TitlesIn(target, text))
        {
            var found = titled.Ids.GetValueOrDefault(title) ?? [];
            if (found.Count != 1)
            {
                rejection = found.Count == 0
                    ? new RowRejection("", titled.Cut ? ErrorCodes.LimitExceeded : ErrorCodes.NotFound, titled.Cut
                        ? $"Too many {titled.PluralName} share this batch's titles to tell '{title}' apart (more than {MaxPagesPerType} pages): give its id."
                        : $"None of the {titled.PluralName} you may read is titled '{title}'.")
                    : new RowRejection("", ErrorCodes.InvalidValue, $"{found.Count} {titled.PluralName} are titled '{title}': give its id.");
                return true;
            }

            ids.Add(Id(found[0]));
        }

        value = target.Field is null ? ids : ids[0];
        return true;
    }

    /// <summary>The records of the type titled one of <paramref name="wanted"/>, as the importer may read them: its own list, filtered by its title field.</summary>
    private static async Task<Titles> RecordsTitledAsync(IServiceProvider services, ICrmEntityDefinition definition, IReadOnlyCollection<string> wanted, CancellationToken cancellationToken)
    {
        var titleField = definition.TitleFields[0];
        var limits = services.GetRequiredService<QueryLimits>();
        var ids = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        var cut = false;
        // A filter's values are bounded (Limits:MaxFilterValues): the titles go in chunks of that many.
        foreach (var chunk in wanted.Chunk(limits.MaxFilterValues))
        {
            var where = new Dictionary<string, object?> { [titleField.Name] = new Dictionary<string, object?> { ["in"] = chunk.Cast<object?>().ToList() } };
            string? after = null;
            for (var page = 0; ; page++)
            {
                if (page == MaxPagesPerType)
                {
                    cut = true;
                    break;
                }

                var found = await definition.ListAsync(services, new ListArguments(where, null, limits.MaxPageSize, after, null, null), withTotalCount: false, cancellationToken);
                foreach (var edge in found.Edges)
                {
                    // The filter compares as the engine does; a title is taken only when it is the same, character for character.
                    if (titleField.Get(edge.Node) is string title && chunk.Contains(title, StringComparer.Ordinal))
                    {
                        (ids.TryGetValue(title, out var list) ? list : ids[title] = []).Add(((PluginSdk.Records.ICrmRecord)edge.Node).Id);
                    }
                }

                if (!found.PageInfo.HasNextPage)
                {
                    break;
                }

                after = found.PageInfo.EndCursor;
            }
        }

        return new Titles(definition.PluralName, ids, cut);
    }

    /// <summary>A link to one record takes the cell whole (a title may hold commas); a list of links takes titles split on ';'.</summary>
    private static IEnumerable<string> TitlesIn(ImportTarget target, string text) =>
        target.Field is null ? text.Split(CellValues.Separators, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [text];

    /// <summary>A cell of ids (one, or several split on ';' or ','), which is read as before.</summary>
    private static bool IsIds(string text) =>
        text.Split([';', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } parts
        && parts.All(p => long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _));

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
