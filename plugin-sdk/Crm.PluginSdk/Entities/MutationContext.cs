using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>What a definition's hooks see of a create or update in progress.</summary>
public sealed class MutationContext<TRecord, TContext>
    where TRecord : class, ICrmRecord
    where TContext : ModuleDbContext
{
    private readonly List<UserError> _errors;

    internal MutationContext(TRecord record, TContext db, IReadOnlyDictionary<string, object?> input, bool isCreate, IServiceProvider services, List<UserError> errors, CancellationToken cancellationToken)
    {
        Record = record;
        Db = db;
        Input = input;
        IsCreate = isCreate;
        Services = services;
        _errors = errors;
        CancellationToken = cancellationToken;
    }

    public TRecord Record { get; }

    public TContext Db { get; }

    public IReadOnlyDictionary<string, object?> Input { get; }

    public bool IsCreate { get; }

    public IServiceProvider Services { get; }

    public CancellationToken CancellationToken { get; }

    public IEntityRegistry Registry => Services.GetRequiredService<IEntityRegistry>();

    public bool HasErrors => _errors.Count > 0;

    public void AddError(string code, string message, params string[] path) => _errors.Add(new UserError(code, message, ["input", .. path]));

    /// <summary>Reads an input-only list of ids; false when the input does not carry the field. Bad ids become errors.</summary>
    public bool TryGetIds(string name, out IReadOnlyList<long> ids) => TryGetIds(name, out ids, out _);

    /// <summary>
    /// Reads an input-only list of ids, without duplicates or bad ids; <paramref name="positions"/>
    /// holds each id's index in the list as sent, for the paths of errors about it.
    /// </summary>
    public bool TryGetIds(string name, out IReadOnlyList<long> ids, out IReadOnlyList<int> positions)
    {
        ids = [];
        positions = [];
        if (!Input.TryGetValue(name, out var value))
        {
            return false;
        }

        var result = new List<long>();
        var indexes = new List<int>();
        var i = 0;
        foreach (var item in value as IEnumerable<object?> ?? [])
        {
            if (item is null || !long.TryParse(Convert.ToString(item, System.Globalization.CultureInfo.InvariantCulture), out var id) || id <= 0)
            {
                AddError(ErrorCodes.InvalidId, $"'{item}' is not a valid id.", name, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else if (!result.Contains(id))
            {
                result.Add(id);
                indexes.Add(i);
            }

            i++;
        }

        ids = result;
        positions = indexes;
        return true;
    }
}

/// <summary>The outcome of a mutation: the record, or the reasons it was refused.</summary>
public sealed record MutationPayload(object? Record, IReadOnlyList<UserError> Errors, long? DeletedId = null);
