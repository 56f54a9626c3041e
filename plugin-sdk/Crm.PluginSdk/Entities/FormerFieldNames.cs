using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// Fields renamed by the naming rule keep their former names (<see cref="FieldBuilder.Formerly"/>)
/// in inputs, filters and order: whatever uses a former name is read as the current one here,
/// before anything else sees it, so that the rest of the SDK knows one name per field.
/// </summary>
internal sealed class FormerFieldNames(IEnumerable<EntityField> fields)
{
    /// <summary>Former name to current name, of the built-in fields that were renamed.</summary>
    private readonly Dictionary<string, string> _current =
        fields.Where(f => f.FormerName is not null).ToDictionary(f => f.FormerName!, f => f.Name, StringComparer.Ordinal);

    /// <summary>The current name of a field named <paramref name="name"/>, former or current.</summary>
    public string CurrentName(string name) => _current.GetValueOrDefault(name, name);

    /// <summary>The input with former names replaced, or the refusal of an input that gives a field under both names.</summary>
    public UserError? WithCurrentNames(IReadOnlyDictionary<string, object?> input, out IReadOnlyDictionary<string, object?> current)
    {
        current = input;
        if (_current.Count == 0 || !input.Keys.Any(_current.ContainsKey))
        {
            return null;
        }

        var renamed = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in input)
        {
            if (_current.TryGetValue(name, out var now))
            {
                if (input.ContainsKey(now))
                {
                    return UserError.At(ErrorCodes.Validation, $"Give '{now}' or its former name '{name}', not both.", "input", name);
                }

                renamed[now] = value;
            }
            else
            {
                renamed[name] = value;
            }
        }

        current = renamed;
        return null;
    }

    /// <summary>The list's arguments with former field names in <c>where</c> and <c>order</c> replaced.</summary>
    public ListArguments WithCurrentNames(ListArguments arguments) =>
        _current.Count == 0
            ? arguments
            : arguments with
            {
                Where = arguments.Where is null ? null : CurrentWhere(arguments.Where),
                Order = arguments.Order?.Select(item => (IReadOnlyDictionary<string, object?>)item.ToDictionary(
                    pair => _current.GetValueOrDefault(pair.Key, pair.Key), pair => pair.Value, StringComparer.Ordinal)).ToList(),
            };

    /// <summary>
    /// A filter with former names replaced, in its <c>and</c>/<c>or</c> lists too. A condition given
    /// under both names holds both: the former one joins the <c>and</c> list.
    /// </summary>
    private Dictionary<string, object?> CurrentWhere(IReadOnlyDictionary<string, object?> where)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        var extra = new List<object?>();
        foreach (var (name, value) in where)
        {
            if (name is FilterCompiler.And or FilterCompiler.Or && value is IEnumerable<object?> list)
            {
                result[name] = list.Select(item => item switch
                {
                    IReadOnlyDictionary<string, object?> inner => CurrentWhere(inner),
                    IDictionary<string, object?> inner => CurrentWhere(inner.AsReadOnly()),
                    _ => item,
                }).ToList();
            }
            else if (_current.TryGetValue(name, out var now))
            {
                if (where.ContainsKey(now))
                {
                    extra.Add(new Dictionary<string, object?>(StringComparer.Ordinal) { [now] = value });
                }
                else
                {
                    result[now] = value;
                }
            }
            else
            {
                result[name] = value;
            }
        }

        if (extra.Count > 0)
        {
            result[FilterCompiler.And] = (result.GetValueOrDefault(FilterCompiler.And) as IEnumerable<object?> ?? []).Concat(extra).ToList();
        }

        return result;
    }
}
