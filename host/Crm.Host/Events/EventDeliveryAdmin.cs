using System.Globalization;
using System.Text;
using Crm.Host.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Host.Events;

/// <summary>What an administrator sees of deliveries that did not succeed at once, and retries or discards; all with the settings right.</summary>
public sealed class EventDeliveryAdmin(
    PlatformDbContext platform,
    CrmDatabaseSession session,
    ICurrentActor actor,
    QueryLimits limits,
    TimeProvider clock,
    ILogger<EventDeliveryAdmin> logger)
{
    private const string CursorPrefix = "delivery:";

    /// <summary>A page of deliveries (oldest first), of one state and handler when given.</summary>
    public async Task<Connection> ListAsync(EventDeliveryState? state, string? handler, int? first, string? after, bool withTotalCount, CancellationToken cancellationToken)
    {
        if (!actor.CanConfigure)
        {
            throw ErrorCodes.Error(ErrorCodes.Forbidden, SettingsRight.Refusal("Listing event deliveries"));
        }

        var size = limits.PageSize(first);

        CheckHandlerName(handler);
        var query = platform.EventDeliveries.AsNoTracking();
        if (state is { } wanted)
        {
            query = query.Where(d => d.State == wanted);
        }

        if (handler is not null)
        {
            query = query.Where(d => d.Handler == handler);
        }

        int? total = withTotalCount ? await query.CountAsync(cancellationToken) : null;
        if (after is not null)
        {
            var afterId = DecodeCursor(after);
            query = query.Where(d => d.Id > afterId);
        }

        var rows = await query.OrderBy(d => d.Id).Take(size + 1).ToListAsync(cancellationToken);
        var hasMore = rows.Count > size;
        var edges = rows.Take(size).Select(d => new Edge(EncodeCursor(d.Id), d)).ToList();
        return new Connection
        {
            Edges = edges,
            TotalCount = total,
            PageInfo = new PageInfo(hasMore, after is not null, edges.FirstOrDefault()?.Cursor, edges.LastOrDefault()?.Cursor),
        };
    }

    /// <summary>
    /// Puts parked deliveries back in line, due now, with a fresh <c>Events:MaxAttempts</c>: those
    /// named by <paramref name="ids"/>, or every parked one of <paramref name="handler"/>. All or
    /// none: an id that is not a parked delivery refuses the lot.
    /// </summary>
    public async Task<(int Count, IReadOnlyList<UserError> Errors)> RetryAsync(IReadOnlyList<object?>? ids, string? handler, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Retrying event deliveries") is { } forbidden)
        {
            return (0, [forbidden]);
        }

        if ((ids is null) == (handler is null))
        {
            return (0, [UserError.At(ErrorCodes.Validation, "Give either 'ids' or 'handler'.", "ids")]);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if (handler is not null)
        {
            CheckHandlerName(handler);
            var count = await platform.EventDeliveries
                .Where(d => d.Handler == handler && d.State == EventDeliveryState.Parked)
                .ExecuteUpdateAsync(d => d
                    .SetProperty(x => x.State, EventDeliveryState.Retrying)
                    .SetProperty(x => x.Attempts, 0)
                    .SetProperty(x => x.NextAttemptAt, now), cancellationToken);
            logger.LogInformation("User {UserId} put {Count} parked deliveries of {Handler} back in line.", actor.UserId, count, handler);
            return (count, []);
        }

        return await ParkedOnlyAsync(ids!, "retry", (parked, ct) => parked.ExecuteUpdateAsync(d => d
            .SetProperty(x => x.State, EventDeliveryState.Retrying)
            .SetProperty(x => x.Attempts, 0)
            .SetProperty(x => x.NextAttemptAt, now), ct), cancellationToken);
    }

    /// <summary>Drops parked deliveries for good: their handler never receives those events; its next ones of the same record follow. All or none.</summary>
    public async Task<(int Count, IReadOnlyList<UserError> Errors)> DiscardAsync(IReadOnlyList<object?> ids, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Discarding event deliveries") is { } forbidden)
        {
            return (0, [forbidden]);
        }

        return await ParkedOnlyAsync(ids, "discard", (parked, ct) => parked.ExecuteDeleteAsync(ct), cancellationToken);
    }

    /// <summary>Runs <paramref name="change"/> on the parked deliveries of <paramref name="values"/>, in one transaction, or on none when one of them is not parked.</summary>
    private async Task<(int Count, IReadOnlyList<UserError> Errors)> ParkedOnlyAsync(
        IReadOnlyList<object?> values, string verb, Func<IQueryable<EventDelivery>, CancellationToken, Task<int>> change, CancellationToken cancellationToken)
    {
        // Bounded before any work: what an administrator picks from a page.
        if (values.Count > limits.MaxPageSize)
        {
            throw ErrorCodes.Error(ErrorCodes.LimitExceeded,
                string.Create(CultureInfo.InvariantCulture, $"'ids' has {values.Count} ids; at most {limits.MaxPageSize} (Limits:MaxPageSize) at once."));
        }

        var errors = new List<UserError>();
        var ids = new List<long>();
        for (var i = 0; i < values.Count; i++)
        {
            if (RecordIds.TryParse(values[i], out var id))
            {
                ids.Add(id);
            }
            else
            {
                errors.Add(UserError.At(ErrorCodes.InvalidId, $"'{values[i]}' is not a valid delivery id.", "ids", i.ToString(CultureInfo.InvariantCulture)));
            }
        }

        if (errors.Count > 0)
        {
            return (0, errors);
        }

        var distinct = ids.Distinct().ToList();
        var outcome = await session.InTransactionAsync<(int Count, IReadOnlyList<UserError> Errors)>(async () =>
        {
            var count = await change(platform.EventDeliveries.Where(d => distinct.Contains(d.Id) && d.State == EventDeliveryState.Parked), cancellationToken);
            if (count == distinct.Count)
            {
                return (count, []);
            }

            var parked = (await platform.EventDeliveries.AsNoTracking()
                .Where(d => distinct.Contains(d.Id) && d.State == EventDeliveryState.Parked)
                .Select(d => d.Id).ToListAsync(cancellationToken)).ToHashSet();
            var refused = ids.Select((id, i) => (id, i)).Where(x => !parked.Contains(x.id))
                .Select(x => UserError.At(ErrorCodes.NotFound, $"There is no parked delivery with id {x.id.ToString(CultureInfo.InvariantCulture)}.", "ids", x.i.ToString(CultureInfo.InvariantCulture)))
                .ToList();
            return (0, refused);
        }, result => result.Errors.Count == 0, cancellationToken);
        if (outcome.Errors.Count == 0)
        {
            logger.LogInformation("User {UserId}: {Verb} {Count} parked deliveries ({Ids}).", actor.UserId, verb, outcome.Count, string.Join(", ", distinct));
        }

        return outcome;
    }

    private static void CheckHandlerName(string? handler)
    {
        if (handler is { Length: > EventDelivery.MaxHandlerLength })
        {
            throw ErrorCodes.Error(ErrorCodes.LimitExceeded,
                string.Create(CultureInfo.InvariantCulture, $"'handler' has {handler.Length} characters; a handler's name has at most {EventDelivery.MaxHandlerLength}."));
        }
    }

    private static string EncodeCursor(long id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(CursorPrefix + id.ToString(CultureInfo.InvariantCulture)));

    private static long DecodeCursor(string cursor)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            if (text.StartsWith(CursorPrefix, StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(CursorPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return id;
            }
        }
        catch (FormatException)
        {
            // told below
        }

        throw ErrorCodes.Error(ErrorCodes.InvalidCursor, "'after' is not a cursor of eventDeliveries.");
    }
}
