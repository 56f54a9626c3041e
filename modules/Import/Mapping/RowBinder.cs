using System.Globalization;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Import.Mapping;

/// <summary>A mapped column: its position in the row, what it is called in reports, and its target.</summary>
internal sealed record MappedColumn(int Index, string Name, ImportTarget Target);

/// <summary>Why a row is not imported: the column at fault (empty for the row as a whole) and the reason.</summary>
internal sealed record RowRejection(string Column, string Code, string Reason);

/// <summary>
/// Turns a row's cells into the type's create input: the defaults first, then each mapped cell
/// that is not empty, read by its field's rules (<see cref="CellValues"/>); selection list values by
/// their names or ids; several columns of one contact-point field add up. Built once per batch,
/// in the owner's scope (the lists as they are then).
/// </summary>
internal sealed class RowBinder
{
    private readonly IReadOnlyList<MappedColumn> _columns;
    private readonly IReadOnlyDictionary<string, object?> _defaults;
    private readonly IReadOnlyDictionary<string, Dictionary<string, string>> _listItems;
    private readonly ImportOptions _options;

    private RowBinder(IReadOnlyList<MappedColumn> columns, IReadOnlyDictionary<string, object?> defaults, IReadOnlyDictionary<string, Dictionary<string, string>> listItems,
        ImportOptions options)
    {
        _columns = columns;
        _defaults = defaults;
        _listItems = listItems;
        _options = options;
    }

    public IReadOnlyList<MappedColumn> Columns => _columns;

    public static async Task<RowBinder> CreateAsync(IServiceProvider services, IReadOnlyList<MappedColumn> columns, IReadOnlyDictionary<string, object?> defaults, ImportOptions options,
        CancellationToken cancellationToken)
    {
        var lists = services.GetService<ISelectionLists>();
        var listItems = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var field in columns.Select(c => c.Target.Field).OfType<EntityField>().Where(f => f.ListFamily is not null && f.Kind == FieldKind.String).DistinctBy(f => f.Name))
        {
            if (lists is null)
            {
                continue;
            }

            // An item's name or its id; names folded as headers are, the first of a repeated name wins.
            var byName = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var item in await lists.GetItemsAsync(field.ListFamily!, cancellationToken))
            {
                byName.TryAdd(HeaderSuggestions.Fold(item.Name), item.Id);
                byName.TryAdd(HeaderSuggestions.Fold(item.Id), item.Id);
            }

            listItems[field.Name] = byName;
        }

        return new RowBinder(columns, defaults, listItems, options);
    }

    /// <summary>The defaults as the create input takes them, read by each field's rules; the errors name 'defaults'.</summary>
    public static (Dictionary<string, object?> Values, List<UserError> Errors) ReadDefaults(ICrmEntityDefinition definition, IServiceProvider services, JsonObject? defaults)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        var errors = new List<UserError>();
        var (fields, inputOnly) = ImportTargets.Writable(definition, services);
        foreach (var (name, node) in defaults ?? [])
        {
            if (fields.TryGetValue(name, out var field))
            {
                if (FieldInput.Read(field, node, ["options", "defaults", name], errors, out var value))
                {
                    values[name] = value;
                }
            }
            else if (inputOnly.Contains(name))
            {
                values[name] = FieldInput.Plain(node);
            }
            else
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"'{name}' is not a field of {definition.PluralName} that can be written.", "options", "defaults", name));
            }
        }

        return (values, errors);
    }

    /// <summary>The row's create input, or why not; <paramref name="names"/> holds the users and records its batch names by name.</summary>
    public (Dictionary<string, object?>? Input, RowRejection? Rejection) Bind(string[] cells, ReferenceNames names)
    {
        if (cells.Length > _options.MaxColumns)
        {
            return (null, new RowRejection("", ErrorCodes.LimitExceeded, $"The row has {cells.Length} cells; the limit is {_options.MaxColumns} (Import:MaxColumns)."));
        }

        var input = new Dictionary<string, object?>(_defaults, StringComparer.Ordinal);
        foreach (var column in _columns)
        {
            var text = column.Index < cells.Length ? cells[column.Index].Trim() : "";
            if (text.Length == 0)
            {
                continue;
            }

            if (text.Length > _options.MaxCellLength)
            {
                return (null, new RowRejection(column.Name, ErrorCodes.LimitExceeded, $"The cell holds {text.Length} characters; the limit is {_options.MaxCellLength} (Import:MaxCellLength)."));
            }

            // The export writes text that a spreadsheet would take for a formula after an apostrophe: taken off again.
            if (text.Length > 1 && text[0] == '\'' && text[1] is '=' or '+' or '-' or '@')
            {
                text = text[1..];
            }

            if (names.TryResolve(column.Target, text, out var named, out var unresolved))
            {
                if (unresolved is not null)
                {
                    return (null, unresolved with { Column = column.Name });
                }

                input[column.Target.Name] = named;
                continue;
            }

            var (value, problem) = Read(column.Target, text, input);
            if (problem is not null)
            {
                return (null, new RowRejection(column.Name, ErrorCodes.InvalidFormat, problem));
            }

            input[column.Target.Name] = value;
        }

        return (input, null);
    }

    private (object? Value, string? Problem) Read(ImportTarget target, string text, Dictionary<string, object?> input)
    {
        string? problem = null;
        if (target.Field is null)
        {
            // An input-only list of ids (a contact's companyIds): "12; 14" or "12, 14".
            return (text.Split([';', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Cast<object?>().ToList(), null);
        }

        var field = target.Field;
        if (field.Kind == FieldKind.ContactPoints)
        {
            // Added to what other columns (or the defaults) gave the same field.
            var points = input.GetValueOrDefault(target.Name) is IEnumerable<object?> earlier && _defaults.GetValueOrDefault(target.Name) != earlier
                ? earlier.ToList()
                : [];
            foreach (var value in CellValues.Several(text))
            {
                var point = new Dictionary<string, object?>(StringComparer.Ordinal) { ["value"] = value };
                if (target.ValueType is not null)
                {
                    point["valueType"] = target.ValueType;
                }

                points.Add(point);
            }

            return (points, null);
        }

        if (field.Custom is { } spec)
        {
            if (!spec.Multiple)
            {
                var one = CellValues.Custom(spec, text, out problem);
                return (one, problem);
            }

            var values = new List<object?>();
            foreach (var part in CellValues.Several(text))
            {
                values.Add(CellValues.Custom(spec, part, out problem));
                if (problem is not null)
                {
                    return (null, problem);
                }
            }

            return (values, null);
        }

        var items = _listItems.GetValueOrDefault(field.Name);
        var built = CellValues.BuiltIn(field, text, items is null ? null : name => items.GetValueOrDefault(HeaderSuggestions.Fold(name)), out problem);
        return (built, problem);
    }

    /// <summary>The column a binder's error is about: the first mapped to the field its path names; empty when none is (a default, a missing mandatory field).</summary>
    public string ColumnOf(UserError error)
    {
        var path = error.Path.Count > 0 && error.Path[0] == "input" ? error.Path.Skip(1).ToList() : error.Path.ToList();
        var field = path.Count > 0 ? path[0] : null;
        return _columns.FirstOrDefault(c => c.Target.Name == field)?.Name ?? field ?? "";
    }

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
