using System.Globalization;
using Crm.PluginSdk.GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.Modules.Timeline.Comments;

/// <summary>The <c>Comment</c> type (a comment as it is now) and the fields a comment shows, shared with the timeline's <c>TimelineCommentEntry</c>.</summary>
public static class CommentGraphType
{
    public const string Name = "Comment";

    public static ObjectGraphType Get(SharedGraphTypes shared) => shared.GetOrAdd(Name, () =>
    {
        var type = new ObjectGraphType { Name = Name, Description = "A user's comment on a record, as it is now." };
        type.AddField(new FieldType { Name = "entityType", ResolvedType = new NonNullGraphType(shared.CrmEntityType), Resolver = new FuncFieldResolver<object?>(c => ((Comment)c.Source!).EntityType) });
        type.AddField(SharedGraphTypes.Field<Comment>("entityId", typeof(NonNullGraphType<IdGraphType>), c => c.EntityId.ToString(CultureInfo.InvariantCulture)));
        foreach (var field in Fields("id", c => (Comment?)c.Source))
        {
            type.AddField(field);
        }

        return type;
    });

    /// <summary>The comment's own fields, each resolved from what <paramref name="comment"/> gives for the field's source (a comment, or a loader's result).</summary>
    public static IEnumerable<FieldType> Fields(string idName, Func<GraphQL.IResolveFieldContext, object?> comment)
    {
        FieldType Field(string name, Type type, Func<Comment, object?> value, string? description = null) => new()
        {
            Name = name,
            Description = description,
            Type = type,
            Resolver = new FuncFieldResolver<object?>(c => comment(c) switch
            {
                Comment found => value(found),
                GraphQL.DataLoader.IDataLoaderResult<Comment?> pending => new ChainedResult<Comment?>(pending, found => found is null ? null : value(found)),
                _ => null,
            }),
        };

        yield return Field(idName, typeof(NonNullGraphType<IdGraphType>), c => c.Id.ToString(CultureInfo.InvariantCulture), "The comment's id (what updateComment, deleteComment and pinComment take).");
        yield return Field("text", typeof(NonNullGraphType<StringGraphType>), c => c.Text, "Plain text; a mention of a user is written @[user:5].");
        yield return Field("authorId", typeof(NonNullGraphType<IdGraphType>), c => c.AuthorId.ToString(CultureInfo.InvariantCulture), "The user who wrote it (who alone may edit it).");
        yield return Field("createdAt", typeof(NonNullGraphType<DateTimeGraphType>), c => DateTime.SpecifyKind(c.CreatedAt, DateTimeKind.Utc));
        yield return Field("updatedAt", typeof(NonNullGraphType<DateTimeGraphType>), c => DateTime.SpecifyKind(c.UpdatedAt, DateTimeKind.Utc), "When its text last changed (createdAt when never edited).");
        yield return Field("pinned", typeof(NonNullGraphType<BooleanGraphType>), c => c.Pinned, "Whether it is pinned on top of the record's timeline.");
        yield return Field("mentionedUserIds", typeof(NonNullGraphType<ListGraphType<NonNullGraphType<IdGraphType>>>),
            c => c.Mentions.Select(m => m.UserId).Order().Select(u => u.ToString(CultureInfo.InvariantCulture)).ToList(), "The users its text mentions.");
    }
}
