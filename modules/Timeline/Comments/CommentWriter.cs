using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Domain;
using Crm.Modules.Timeline.History;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Events;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Comments;

/// <summary>
/// Adds, edits, deletes and pins comments on records of every registered type. Rights: whoever may
/// read a record may comment on it; only the author edits a comment, the author or an
/// administrator deletes it; pinning needs UPDATE on the record. Each write is one transaction:
/// a comment and its timeline entry (and its mentions) are written or removed together.
/// </summary>
public sealed class CommentWriter(IServiceProvider services)
{
    public const string NotAuthor = "NOT_AUTHOR";

    private const string Comment = "comment";

    private readonly TimelineDbContext _db = services.GetRequiredService<TimelineDbContext>();

    private readonly ICurrentActor _actor = services.GetRequiredService<ICurrentActor>();

    public async Task<MutationPayload> AddAsync(string entityType, long entityId, string text, CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<IEntityRegistry>().Find(entityType) is not ICrmEntityDefinition definition)
        {
            return Refused(Refusals.NotFound(entityType, entityId, "entityId"));
        }

        if (_actor.UserId is not { } me || me <= 0)
        {
            return Refused(UserError.At(ErrorCodes.Forbidden, "Only a user may comment.", "entityId"));
        }

        var (mentions, invalid) = await CheckTextAsync(text, cancellationToken);
        if (invalid is not null)
        {
            return Refused(invalid);
        }

        return await InTransactionAsync(async () =>
        {
            if (!await definition.ReachesAsync(services, entityId, PermissionAction.Read, cancellationToken))
            {
                return Refused(definition.ReachesAll(services, PermissionAction.Read)
                    ? Refusals.NotFound(entityType, entityId, "entityId")
                    : Refusals.Forbidden("comment on", entityType, entityId, "entityId"));
            }

            var now = Now();
            var comment = new Comment
            {
                EntityType = entityType,
                EntityId = entityId,
                AuthorId = me,
                Text = text,
                CreatedAt = now,
                UpdatedAt = now,
                EventId = Guid.NewGuid(),
                Mentions = mentions.Select(u => new CommentMention { UserId = u, EntityType = entityType, EntityId = entityId }).ToList(),
            };
            _db.Comments.Add(comment);
            await _db.SaveChangesAsync(cancellationToken);
            _db.ChangeTracker.Clear();

            var origin = _actor is CurrentActor current ? current.Origin : new ChangeOrigin(ActorKind.User, null);
            await new TimelineAppender(_db).AppendAsync(
                // The users it mentions when added: what a live feed of a user's mentions matches on.
                [TimelineEntry.Of(comment.EventId, now, me, origin, entityType, entityId, TimelineKinds.Comment,
                    new JsonObject { ["commentId"] = comment.Id, ["mentionedUserIds"] = new JsonArray([.. mentions.Select(u => JsonValue.Create(u))]) })],
                [],
                cancellationToken);
            return new MutationPayload(comment, []);
        }, cancellationToken);
    }

    public async Task<MutationPayload> UpdateAsync(long id, string text, CancellationToken cancellationToken)
    {
        var (mentions, invalid) = await CheckTextAsync(text, cancellationToken);
        if (invalid is not null)
        {
            return Refused(invalid);
        }

        return await InTransactionAsync(async () =>
        {
            var (comment, refused) = await LockReachableAsync(id, PermissionAction.Read, "edit", cancellationToken);
            if (comment is null)
            {
                return Refused(refused!);
            }

            if (comment.AuthorId != _actor.UserId)
            {
                return Refused(UserError.At(NotAuthor, "Only its author may edit a comment.", "id"));
            }

            comment.Text = text;
            comment.UpdatedAt = Now();
            // The mentions become those of the new text: removed, kept or added user by user.
            comment.Mentions.RemoveAll(m => !mentions.Contains(m.UserId));
            foreach (var user in mentions.Where(u => comment.Mentions.All(m => m.UserId != u)))
            {
                comment.Mentions.Add(new CommentMention { UserId = user, EntityType = comment.EntityType, EntityId = comment.EntityId });
            }

            await _db.SaveChangesAsync(cancellationToken);
            return new MutationPayload(comment, []);
        }, cancellationToken);
    }

    public async Task<MutationPayload> DeleteAsync(long id, CancellationToken cancellationToken) =>
        await InTransactionAsync(async () =>
        {
            // An administrator deletes any comment, also one on a deleted record; an author theirs on a record they read.
            var (comment, refused) = _actor.IsAdministrator
                ? (await LockedAsync(id, RowLock.Update, cancellationToken), null)
                : await LockReachableAsync(id, PermissionAction.Read, "delete", cancellationToken, RowLock.Update);
            if (comment is null)
            {
                return Refused(refused ?? Refusals.NotFound(Comment, id, "id"));
            }

            if (!_actor.IsAdministrator && comment.AuthorId != _actor.UserId)
            {
                return Refused(UserError.At(NotAuthor, "Only its author or an administrator may delete a comment.", "id"));
            }

            // It leaves the timeline with it (its mentions go by the foreign key's cascade).
            await _db.Entries.Where(e => e.EventId == comment.EventId && e.Kind == TimelineKinds.Comment).ExecuteDeleteAsync(cancellationToken);
            _db.Comments.Remove(comment);
            await _db.SaveChangesAsync(cancellationToken);
            return new MutationPayload(null, [], id);
        }, cancellationToken);

    public async Task<MutationPayload> PinAsync(long id, bool pinned, CancellationToken cancellationToken) =>
        await InTransactionAsync(async () =>
        {
            var (comment, refused) = await LockReachableAsync(id, PermissionAction.Update, pinned ? "pin" : "unpin", cancellationToken);
            if (comment is null)
            {
                return Refused(refused!);
            }

            if (comment.Pinned == pinned)
            {
                return new MutationPayload(comment, []);
            }

            if (pinned)
            {
                // Pins of one record one after the other, so that the count below is still true at commit.
                await LockRecordPinsAsync(comment.EntityType, comment.EntityId, cancellationToken);
                var count = await _db.Comments.CountAsync(c => c.EntityType == comment.EntityType && c.EntityId == comment.EntityId && c.Pinned, cancellationToken);
                if (count >= CommentLimits.MaxPinnedPerRecord)
                {
                    return Refused(UserError.At(ErrorCodes.LimitExceeded,
                        $"The record has {CommentLimits.MaxPinnedPerRecord.ToString(CultureInfo.InvariantCulture)} pinned comments, the most it may have: unpin one first.", "id"));
                }
            }

            comment.Pinned = pinned;
            comment.PinnedAt = pinned ? Now() : null;
            await _db.SaveChangesAsync(cancellationToken);
            return new MutationPayload(comment, []);
        }, cancellationToken);

    /// <summary>Bounds the text (before anything reads it), then finds its mentions and checks that each user exists.</summary>
    private async Task<(IReadOnlyList<long> Mentions, UserError? Invalid)> CheckTextAsync(string text, CancellationToken cancellationToken)
    {
        if (text.Length > CommentLimits.MaxTextLength)
        {
            return ([], UserError.At(ErrorCodes.TooLong, $"A comment has at most {CommentLimits.MaxTextLength.ToString(CultureInfo.InvariantCulture)} characters; this one has {text.Length.ToString(CultureInfo.InvariantCulture)}.", "text"));
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return ([], UserError.At(ErrorCodes.Required, "A comment needs text.", "text"));
        }

        var mentions = MentionParser.UserIds(text);
        if (mentions.Count > CommentLimits.MaxMentions)
        {
            return ([], UserError.At(ErrorCodes.LimitExceeded, $"A comment mentions at most {CommentLimits.MaxMentions.ToString(CultureInfo.InvariantCulture)} users; this one {mentions.Count.ToString(CultureInfo.InvariantCulture)}.", "text"));
        }

        if (mentions.Count == 0)
        {
            return (mentions, null);
        }

        var known = services.GetService<IUserDirectory>() is { } directory
            ? await directory.LoadUsersAsync(mentions, cancellationToken)
            : new Dictionary<long, object>();
        var unknown = mentions.Where(u => !known.ContainsKey(u)).ToList();
        return unknown.Count == 0
            ? (mentions, null)
            : ([], UserError.At(ErrorCodes.InvalidValue, $"No such user: {string.Join(", ", unknown.Select(u => u.ToString(CultureInfo.InvariantCulture)))}.", "text"));
    }

    /// <summary>The comment, locked, when the caller may do <paramref name="action"/> on its record; else the refusal the timeline would give.</summary>
    private async Task<(Comment? Comment, UserError? Refused)> LockReachableAsync(long id, PermissionAction action, string verb, CancellationToken cancellationToken, RowLock mode = RowLock.NoKeyUpdate)
    {
        var comment = await LockedAsync(id, mode, cancellationToken);
        if (comment is null || services.GetRequiredService<IEntityRegistry>().Find(comment.EntityType) is not ICrmEntityDefinition definition)
        {
            return (null, Refusals.NotFound(Comment, id, "id"));
        }

        if (await definition.ReachesAsync(services, comment.EntityId, action, cancellationToken))
        {
            return (comment, null);
        }

        // A comment on a record the caller does not read does not exist for them, as the record does not.
        var readable = action != PermissionAction.Read && await definition.ReachesAsync(services, comment.EntityId, PermissionAction.Read, cancellationToken);
        return (null, readable || !definition.ReachesAll(services, PermissionAction.Read)
            ? Refusals.Forbidden(verb, Comment, id, "id")
            : Refusals.NotFound(Comment, id, "id"));
    }

    private async Task<Comment?> LockedAsync(long id, RowLock mode, CancellationToken cancellationToken)
    {
        await _db.LockAsync<Comment>([id], mode, cancellationToken);
        return await _db.Comments.Include(c => c.Mentions).FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
    }

    /// <summary>
    /// On PostgreSQL, a lock for the transaction on the record's pins (an advisory lock on its type
    /// and id: no row stands for "the record's comments"). SQLite lets one writer in at a time already.
    /// </summary>
    private async Task LockRecordPinsAsync(string entityType, long entityId, CancellationToken cancellationToken)
    {
        await _db.LockNameAsync($"timeline.comment-pins:{entityType}:{entityId.ToString(CultureInfo.InvariantCulture)}", cancellationToken);
    }

    private Task<MutationPayload> InTransactionAsync(Func<Task<MutationPayload>> work, CancellationToken cancellationToken) =>
        services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(work, result => result.Errors.Count == 0, cancellationToken);

    private DateTime Now()
    {
        // Whole microseconds, which PostgreSQL stores exactly: the answer carries what a later read sees.
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    private static MutationPayload Refused(UserError error) => new(null, [error]);
}
