using Acme.Quotes.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.Quotes.Quotes;

/// <summary>
/// <c>quotePdf(id:)</c>: a quote the caller may read as a PDF, base64 in the answer. Its size is
/// bounded by the rows' limit; a document past <see cref="MaxBytes"/> is refused all the same.
/// </summary>
public sealed class QuotePdfSchema : ISchemaContributor
{
    /// <summary>The largest PDF served (a hundred rows take about two pages, well under it).</summary>
    public const int MaxBytes = 1_000_000;

    public sealed record PdfFile(string FileName, byte[] Content);

    public void Contribute(SchemaComposer composer)
    {
        if (!composer.HasEntityType(QuoteEntity.Name))
        {
            return;
        }

        var file = new ObjectGraphType { Name = "QuotePdf", Description = "A quote as a PDF file." };
        file.AddField(new FieldType { Name = "fileName", Type = typeof(NonNullGraphType<StringGraphType>), Resolver = new FuncFieldResolver<object?>(c => ((PdfFile)c.Source!).FileName) });
        file.AddField(new FieldType { Name = "contentType", Type = typeof(NonNullGraphType<StringGraphType>), Resolver = new FuncFieldResolver<object?>(_ => "application/pdf") });
        file.AddField(new FieldType { Name = "size", Description = "Bytes.", Type = typeof(NonNullGraphType<IntGraphType>), Resolver = new FuncFieldResolver<object?>(c => ((PdfFile)c.Source!).Content.Length) });
        file.AddField(new FieldType { Name = "base64", Type = typeof(NonNullGraphType<StringGraphType>), Resolver = new FuncFieldResolver<object?>(c => Convert.ToBase64String(((PdfFile)c.Source!).Content)) });
        composer.Query.AddField(new FieldType
        {
            Name = "quotePdf",
            Description = $"A quote the caller may read, rendered as a PDF (at most {MaxBytes:N0} bytes).",
            ResolvedType = file,
            Arguments = new QueryArguments(new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var raw = c.GetArgument<object>("id");
                if (!RecordIds.TryParse(raw, out var id))
                {
                    throw RecordIds.InvalidError(raw, "id", QuoteEntity.Name);
                }

                return await RenderAsync(c.RequestServices!, id, c.CancellationToken);
            }),
        });
    }

    private static async Task<PdfFile> RenderAsync(IServiceProvider services, long id, CancellationToken cancellationToken)
    {
        var quotes = (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Get(QuoteEntity.Name);
        var db = services.GetRequiredService<QuotesDbContext>();
        var quote = await quotes.ReachesAsync(services, id, PermissionAction.Read, cancellationToken)
            ? await db.Quotes.AsNoTracking().FirstOrDefaultAsync(q => q.Id == id, cancellationToken)
            : null;
        if (quote is null)
        {
            throw quotes.ReachesAll(services, PermissionAction.Read)
                ? Refusals.NotFoundError(QuoteEntity.Name, id)
                : Refusals.ForbiddenError("read", QuoteEntity.Name, id);
        }

        var rows = await db.QuoteRows.AsNoTracking().Where(r => r.DocumentId == id).OrderBy(r => r.Position).ToListAsync(cancellationToken);
        var content = QuotePdf.Render(quote, rows);
        return content.Length <= MaxBytes
            ? new PdfFile($"{quote.Number}.pdf", content)
            : throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"The quote's PDF would take {content.Length:N0} bytes; at most {MaxBytes:N0} are served.");
    }
}
