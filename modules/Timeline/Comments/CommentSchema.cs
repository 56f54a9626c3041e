using System.Globalization;
using System.Text;
using Crm.Modules.Timeline.Data;
using Crm.Modules.Timeline.Schema;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Timeline.Comments;

/// <summary>
/// <c>addComment</c>, <c>updateComment</c>, <c>deleteComment</c>, <c>pinComment</c> on records of
/// every registered type, and <c>myMentions</c>: the comments that mention the caller.
/// </summary>
public sealed class CommentSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var comment = CommentGraphType.Get(composer.Types);
        composer.AddUserField<Comment>(comment, "author", "The user who wrote it (loaded for the whole page at once).", c => c.AuthorId);
        composer.AddUsersField<Comment>(comment, "mentionedUsers", "The users its text mentions, by id (those that still exist).",
            c => c.Mentions.Select(m => m.UserId).Order());
        var payload = new ObjectGraphType { Name = "CommentPayload", Description = "The comment as written, or why it was not." };
        payload.AddField(new FieldType { Name = "comment", ResolvedType = comment, Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Record) });
        payload.AddField(SharedGraphTypes.Field<MutationPayload>("deletedId", typeof(IdGraphType), p => p.DeletedId?.ToString(CultureInfo.InvariantCulture), "The deleted comment's id (deleteComment)."));
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Errors) });

        var textDescription = $"Plain text, at most {CommentLimits.MaxTextLength.ToString(CultureInfo.InvariantCulture)} characters; @[user:5] mentions user 5 (at most {CommentLimits.MaxMentions.ToString(CultureInfo.InvariantCulture)} users).";
        composer.Mutation.AddField(new FieldType
        {
            Name = "addComment",
            Description = "Comments on a record: for whoever may read it. Shown on its timeline (a comment entry) at once.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument(new NonNullGraphType(composer.Types.CrmEntityType)) { Name = "entityType" },
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "entityId" },
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "text", Description = textDescription }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var entityType = c.GetArgument<string>("entityType");
                var raw = c.GetArgument<object>("entityId");
                return RecordIds.TryParse(raw, out var entityId)
                    ? await new CommentWriter(c.RequestServices!).AddAsync(entityType, entityId, c.GetArgument<string>("text"), c.CancellationToken)
                    : new MutationPayload(null, [RecordIds.Invalid(raw, entityType, "entityId")]);
            }),
        });

        composer.Mutation.AddField(new FieldType
        {
            Name = "updateComment",
            Description = "Changes a comment's text (its mentions follow): its author only, on a record they still read.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "text", Description = textDescription }),
            Resolver = WithId((writer, id, c) => writer.UpdateAsync(id, c.GetArgument<string>("text"), c.CancellationToken)),
        });

        composer.Mutation.AddField(new FieldType
        {
            Name = "deleteComment",
            Description = "Deletes a comment and its timeline entry: its author (on a record they still read) or an administrator.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = WithId((writer, id, c) => writer.DeleteAsync(id, c.CancellationToken)),
        });

        composer.Mutation.AddField(new FieldType
        {
            Name = "pinComment",
            Description = $"Pins a comment on top of its record's timeline (pinned: true) or unpins it: needs UPDATE on the record. A record has at most {CommentLimits.MaxPinnedPerRecord.ToString(CultureInfo.InvariantCulture)} pinned comments (LIMIT_EXCEEDED).",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument<NonNullGraphType<BooleanGraphType>> { Name = "pinned" }),
            Resolver = WithId((writer, id, c) => writer.PinAsync(id, c.GetArgument<bool>("pinned"), c.CancellationToken)),
        });

        AddMyMentions(composer, comment);
    }

    private static FuncFieldResolver<object?> WithId(Func<CommentWriter, long, IResolveFieldContext, Task<MutationPayload>> write) => new(async c =>
    {
        var raw = c.GetArgument<object>("id");
        return RecordIds.TryParse(raw, out var id)
            ? await write(new CommentWriter(c.RequestServices!), id, c)
            : new MutationPayload(null, [RecordIds.Invalid(raw, "comment", "id")]);
    });

    /// <summary>A page of <c>myMentions</c>: the comments, and where the next page starts.</summary>
    private sealed record MentionsPage(IReadOnlyList<Comment> Comments, bool HasNextPage, string? EndCursor);

    private static void AddMyMentions(SchemaComposer composer, IGraphType comment)
    {
        var limits = composer.Limits;
        var edge = new ObjectGraphType { Name = "CommentEdge" };
        edge.AddField(SharedGraphTypes.Field<Comment>("cursor", typeof(NonNullGraphType<StringGraphType>), c => Cursor(c.Id)));
        edge.AddField(new FieldType { Name = "node", ResolvedType = new NonNullGraphType(comment), Resolver = new FuncFieldResolver<object?>(c => c.Source) });
        var connection = new ObjectGraphType { Name = "CommentConnection", Description = "A page of comments, newest first." };
        connection.AddField(new FieldType { Name = "nodes", ResolvedType = SchemaComposer.NonNullList(comment), Resolver = new FuncFieldResolver<object?>(c => ((MentionsPage)c.Source!).Comments) });
        connection.AddField(new FieldType { Name = "edges", ResolvedType = SchemaComposer.NonNullList(edge), Resolver = new FuncFieldResolver<object?>(c => ((MentionsPage)c.Source!).Comments) });
        connection.AddField(new FieldType
        {
            Name = "pageInfo",
            ResolvedType = new NonNullGraphType(composer.Types.PageInfo),
            Resolver = new FuncFieldResolver<object?>(c =>
            {
                var page = (MentionsPage)c.Source!;
                return new PageInfo(page.HasNextPage, false, page.Comments.Count > 0 ? Cursor(page.Comments[0].Id) : null, page.EndCursor);
            }),
        });

        composer.Query.AddField(new FieldType
        {
            Name = "myMentions",
            Description = $"The comments that mention you, newest first, on records you may still read (rights applied before paging; one page looks at most at {MentionReader.MaxScanned.ToString(CultureInfo.InvariantCulture)} mentions, and says hasNextPage when it stopped there).",
            ResolvedType = new NonNullGraphType(connection),
            Arguments = new QueryArguments(
                new QueryArgument<IntGraphType> { Name = "first", Description = $"How many (default {limits.DefaultPageSize}, at most {limits.MaxPageSize})." },
                new QueryArgument<StringGraphType> { Name = "after", Description = "The endCursor of the previous page." }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var first = TimelineSchema.First(c, limits);

                long? after = c.GetArgument<string?>("after") is { } cursor
                    ? ParseCursor(cursor) ?? throw ErrorCodes.Error(ErrorCodes.InvalidCursor, "'after' is not a cursor of myMentions.")
                    : null;
                var services = c.RequestServices!;
                if (services.GetRequiredService<ICurrentActor>().UserId is not { } me || me <= 0)
                {
                    return new MentionsPage([], false, null);
                }

                var page = await new MentionReader(services, services.GetRequiredService<TimelineDbContext>()).PageAsync(me, first, after, c.CancellationToken);
                var comments = await new CommentReader(services.GetRequiredService<TimelineDbContext>()).ByIdsAsync(page.CommentIds, c.CancellationToken);
                var ordered = page.CommentIds.Where(comments.ContainsKey).Select(id => comments[id]).ToList();
                var end = page.ContinueBefore ?? (ordered.Count > 0 ? ordered[^1].Id : null);
                return new MentionsPage(ordered, page.HasNextPage, end is { } e ? Cursor(e) : null);
            }),
        });
    }

    private static string Cursor(long commentId) => Convert.ToBase64String(Encoding.UTF8.GetBytes("mention:" + commentId.ToString(CultureInfo.InvariantCulture)));

    private static long? ParseCursor(string cursor)
    {
        if (cursor.Length > 64)
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(cursor));
            return text.StartsWith("mention:", StringComparison.Ordinal)
                && long.TryParse(text.AsSpan("mention:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
                ? id
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
