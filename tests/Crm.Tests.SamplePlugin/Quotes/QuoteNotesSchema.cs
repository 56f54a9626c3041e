using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Live;
using Crm.PluginSdk.Security;
using Crm.Tests.SamplePlugin.Data;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>
/// <c>addQuoteNote(quoteId:, text:)</c> and the subscription <c>quoteNotes(quoteId:, after:)</c>:
/// the proof that a plugin gets live events through the SDK's contract alone.
/// </summary>
public sealed class QuoteNotesSchema : ISchemaContributor
{
    /// <summary>The longest note, in characters.</summary>
    public const int MaxTextLength = 2000;

    public sealed record AddPayload(QuoteNote? Note, IReadOnlyList<UserError> Errors);

    private static readonly QuoteNotesSource Source = new();

    public void Contribute(SchemaComposer composer)
    {
        var note = new ObjectGraphType { Name = "QuoteNote", Description = "A note on a quote." };
        note.AddField(new FieldType { Name = "id", ResolvedType = new NonNullGraphType(new IdGraphType()), Resolver = new FuncFieldResolver<object?>(c => ((QuoteNote)c.Source!).Id.ToString(System.Globalization.CultureInfo.InvariantCulture)) });
        note.AddField(new FieldType { Name = "quoteId", ResolvedType = new NonNullGraphType(new IdGraphType()), Resolver = new FuncFieldResolver<object?>(c => ((QuoteNote)c.Source!).QuoteId.ToString(System.Globalization.CultureInfo.InvariantCulture)) });
        note.AddField(new FieldType { Name = "text", ResolvedType = new NonNullGraphType(new StringGraphType()), Resolver = new FuncFieldResolver<object?>(c => ((QuoteNote)c.Source!).Text) });
        // A value that depends on who reads it (as "my" fields do): live results with it are not shared between users.
        note.AddField(new FieldType
        {
            Name = "onMyQuote",
            Description = "Whether the note's quote is assigned to the caller.",
            ResolvedType = new NonNullGraphType(new BooleanGraphType()),
            Resolver = new FuncFieldResolver<object?>(c =>
            {
                var services = c.RequestServices!;
                var loader = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, long?>("quote:assignee", async (ids, ct) =>
                {
                    var list = ids.ToList();
                    return await services.GetRequiredService<SamplePluginDbContext>().Quotes.AsNoTracking()
                        .Where(q => list.Contains(q.Id)).ToDictionaryAsync(q => q.Id, q => q.AssignedById, ct);
                });
                var me = services.GetRequiredService<ICurrentActor>().UserId;
                return new ChainedResult<long?>(loader.Load(((QuoteNote)c.Source!).QuoteId), assignee => assignee is not null && assignee == me);
            }),
        });

        var payload = new ObjectGraphType { Name = "AddQuoteNotePayload", Description = "The note added, or why it was not." };
        payload.AddField(new FieldType { Name = "note", ResolvedType = note, Resolver = new FuncFieldResolver<object?>(c => ((AddPayload)c.Source!).Note) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((AddPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = "addQuoteNote",
            Description = $"Adds a note (at most {MaxTextLength} characters) to a quote the caller may update.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "quoteId" },
                new QueryArgument<NonNullGraphType<StringGraphType>> { Name = "text" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var raw = c.GetArgument<object>("quoteId");
                var text = c.GetArgument<string>("text");
                if (!RecordIds.TryParse(raw, out var quoteId))
                {
                    return new AddPayload(null, [RecordIds.Invalid(raw, QuoteEntity.Name, "quoteId")]);
                }

                return text.Length > MaxTextLength
                    ? new AddPayload(null, [UserError.At(ErrorCodes.TooLong, $"A note has at most {MaxTextLength} characters.", "text")])
                    : await AddAsync(c.RequestServices!, quoteId, text, c.CancellationToken);
            }),
        });

        composer.AddLiveField(new LiveField<QuoteNote>("quoteNotes", "Notes added to quotes the subscriber may read, as they are added; only those of one quote with quoteId.", note, Source)
        {
            Arguments = new QueryArguments(new QueryArgument<IdGraphType> { Name = "quoteId" }),
            Filter = context =>
            {
                var raw = context.GetArgument<object?>("quoteId");
                if (raw is null)
                {
                    return _ => true;
                }

                return RecordIds.TryParse(raw, out var quoteId)
                    ? n => n.QuoteId == quoteId
                    : throw new ExecutionError($"'{raw}' is not a quote id.") { Code = ErrorCodes.InvalidId };
            },
        });
    }

    private static async Task<AddPayload> AddAsync(IServiceProvider services, long quoteId, string text, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<SamplePluginDbContext>();
        var quotes = (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Find(QuoteEntity.Name)!;
        return await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            // The quote stays until the note is in (a delete waits), and notes commit in id order.
            await db.LockAsync<Quote>([quoteId], RowLock.KeyShare, cancellationToken);
            if (!await quotes.ReachesAsync(services, quoteId, PermissionAction.Update, cancellationToken))
            {
                return new AddPayload(null, [quotes.ReachesAll(services, PermissionAction.Update)
                    ? Refusals.NotFound(QuoteEntity.Name, quoteId, "quoteId")
                    : Refusals.Forbidden("update", QuoteEntity.Name, quoteId, "quoteId")]);
            }

            await LiveSignal.LockWritersAsync(db, QuoteNotesSource.SignalName, cancellationToken);
            var note = new QuoteNote { QuoteId = quoteId, Text = text, CreatedAt = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime };
            db.QuoteNotes.Add(note);
            await db.SaveChangesAsync(cancellationToken);
            await LiveSignal.RaiseAsync(db, QuoteNotesSource.SignalName, cancellationToken);
            return new AddPayload(note, []);
        }, result => result.Errors.Count == 0, cancellationToken);
    }
}
