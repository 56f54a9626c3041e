using System.Globalization;
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

    /// <summary>The platform's clock (tests move it): what a hook stores as "now" agrees with what the platform stamps.</summary>
    public TimeProvider Clock => Services.GetService<TimeProvider>() ?? TimeProvider.System;

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
        if (!Input.TryGetValue(name, out var value))
        {
            ids = [];
            positions = [];
            return false;
        }

        ids = RecordIds.ReadList(value, null, _errors, out positions, "input", name);
        return true;
    }
}

/// <summary>Link replacement for <see cref="MutationContext{TRecord, TContext}"/>.</summary>
public static class MutationLinks
{
    /// <summary>
    /// Replaces a record's links to records of <paramref name="targetType"/> with the ids the input
    /// field <paramref name="inputName"/> lists, in that order: each id must name an existing
    /// record (checked in one load through the registry), and a changed list becomes part of
    /// the record's "updated" event. Returns the new ids, or null when the input leaves the links
    /// alone or something was refused.
    /// </summary>
    public static async Task<IReadOnlyList<long>?> ReplaceLinksAsync<TRecord, TContext, TLink>(
        this MutationContext<TRecord, TContext> mutation, string inputName, string targetType, List<TLink> links, Func<long, TLink> create)
        where TRecord : class, ICrmRecord
        where TContext : ModuleDbContext
        where TLink : IOrderedLink
    {
        if (!mutation.TryGetIds(inputName, out var ids, out var positions))
        {
            return null;
        }

        var targets = mutation.Registry.Find(targetType);
        if (targets is null)
        {
            if (ids.Count > 0)
            {
                mutation.AddError(ErrorCodes.Validation, $"Records of type {targetType} are not available: their module is not loaded.", inputName);
            }

            return null;
        }

        var existing = await targets.LoadHeldAsync(mutation.Services, ids, mutation.CancellationToken);
        for (var i = 0; i < ids.Count; i++)
        {
            if (!existing.ContainsKey(ids[i]))
            {
                mutation.AddError(ErrorCodes.NotFound, Refusals.NoSuch(targetType, ids[i]), inputName, positions[i].ToString(CultureInfo.InvariantCulture));
            }
        }

        if (mutation.HasErrors)
        {
            return null;
        }

        if (!mutation.IsCreate)
        {
            await CurrentLinksAsync(mutation.Db, mutation.Record, links, mutation.CancellationToken);
        }

        var before = links.OrderBy(l => l.Sort).Select(l => l.TargetId).ToList();
        links.RemoveAll(l => !ids.Contains(l.TargetId));
        for (var i = 0; i < ids.Count; i++)
        {
            var id = ids[i];
            var link = links.Find(l => l.TargetId == id);
            if (link is null)
            {
                link = create(id);
                links.Add(link);
            }

            link.Sort = i;
        }

        if (!mutation.IsCreate && !before.SequenceEqual(ids))
        {
            mutation.Db.RecordChange(mutation.Record, inputName, before, ids);
        }

        return ids;
    }

    private static readonly System.Reflection.MethodInfo ReadLinks =
        typeof(MutationLinks).GetMethod(nameof(ReadLinksAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;

    private static async Task<List<object>> ReadLinksAsync<TLink>(IQueryable query, CancellationToken cancellationToken)
        where TLink : class =>
        [.. await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync((IQueryable<TLink>)query, cancellationToken)];

    /// <summary>
    /// The tracked record's links as committed now. The record was read with its row lock in one
    /// statement, and on PostgreSQL that statement's snapshot predates the wait for the lock: the
    /// links it joined may be those a concurrent writer (an update, a merge) has since replaced,
    /// and writing the list from them would insert a link that is there already. Read again (a new
    /// statement, after the lock, tracked: a row tracked already comes back as its tracked
    /// instance), links gone meanwhile are let go of, and links added meanwhile join the list.
    /// </summary>
    private static async Task CurrentLinksAsync<TRecord, TLink>(ModuleDbContext db, TRecord record, List<TLink> links, CancellationToken cancellationToken)
        where TRecord : class
        where TLink : IOrderedLink
    {
        if (!db.IsPostgres || db.Entry(record).Navigations.OfType<Microsoft.EntityFrameworkCore.ChangeTracking.CollectionEntry>()
                .FirstOrDefault(n => ReferenceEquals(n.CurrentValue, links)) is not { } navigation)
        {
            return;
        }

        // TLink is an entity (a class) though the public signature does not say so.
        var current = (await (Task<List<object>>)ReadLinks.MakeGenericMethod(typeof(TLink)).Invoke(null, [navigation.Query(), cancellationToken])!)
            .ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var gone in links.Where(l => !current.Contains(l)).ToList())
        {
            links.Remove(gone);
            db.Entry((object)gone).State = Microsoft.EntityFrameworkCore.EntityState.Detached;
        }

        foreach (var added in current.Where(c => !links.Exists(l => ReferenceEquals(l, c))).ToList())
        {
            links.Add((TLink)added);
        }
    }
}

/// <summary>The outcome of a mutation: the record, or the reasons it was refused.</summary>
public sealed record MutationPayload(object? Record, IReadOnlyList<UserError> Errors, long? DeletedId = null)
{
    /// <summary>Records that look like the one just written (the same e-mail, phone, or name in the same company); the write went through.</summary>
    public IReadOnlyList<DuplicateWarning> Duplicates { get; init; } = [];
}

/// <summary>
/// Other records of the same type that share a match key with the record just written, by one
/// rule (<c>EMAIL</c>, <c>PHONE</c>, <c>NAME_IN_COMPANY</c>): <paramref name="Ids"/> are those
/// the writer may read, at most a page of them.
/// </summary>
public sealed record DuplicateWarning(string Rule, string Message, IReadOnlyList<long> Ids);
