using System.Globalization;
using Acme.Quotes.Data;
using Acme.Quotes.Invoices;
using Acme.Quotes.Quotes;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Acme.Quotes.Documents;

/// <summary>
/// The product rows of quotes and invoices: <c>Quote.rows</c> and <c>Invoice.rows</c> (every
/// document of a page in one statement), and <c>setQuoteRows</c>/<c>setInvoiceRows</c>, which
/// replace a document's rows through the document's own update (its rights, lock and history).
/// </summary>
public sealed class ProductRowsSchema : ISchemaContributor
{
    public void Contribute(SchemaComposer composer)
    {
        var row = RowType();
        var input = RowInputType();
        composer.AddType(row);
        composer.AddType(input);
        AddDocument(composer, QuoteEntity.Name, "Quote", row, input, db => db.QuoteRows);
        AddDocument(composer, InvoiceEntity.Name, "Invoice", row, input, db => db.InvoiceRows);
    }

    /// <summary>The <c>rows</c> argument as inputs; GraphQL has checked each field's presence and type.</summary>
    public static List<ProductRowInput> ReadRows(IResolveFieldContext context, string name) =>
        [.. context.GetArgument<List<Dictionary<string, object?>>>(name).Select(r => new ProductRowInput(
            (string)r["productName"]!, Convert.ToDecimal(r["price"], CultureInfo.InvariantCulture), Convert.ToDecimal(r["quantity"], CultureInfo.InvariantCulture),
            r.GetValueOrDefault("discountRate") is { } discount ? Convert.ToDecimal(discount, CultureInfo.InvariantCulture) : 0m,
            r.GetValueOrDefault("taxRate") is { } tax ? Convert.ToDecimal(tax, CultureInfo.InvariantCulture) : 0m))];

    private static void AddDocument<TRow>(SchemaComposer composer, string entityType, string typeName, IGraphType row, IGraphType input, Func<QuotesDbContext, DbSet<TRow>> rowsOf)
        where TRow : ProductRow
    {
        if (!composer.HasEntityType(entityType))
        {
            return;
        }

        composer.EntityType(entityType).AddField(new FieldType
        {
            Name = "rows",
            Description = $"The product rows, in order (at most {RowTotals.MaxRows}).",
            ResolvedType = SchemaComposer.NonNullList(row),
            Resolver = new FuncFieldResolver<object?>(c =>
            {
                var services = c.RequestServices!;
                var loader = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, List<TRow>>($"acme_quotes.{entityType}Rows", async (ids, ct) =>
                {
                    var list = ids.ToList();
                    var rows = await rowsOf(services.GetRequiredService<QuotesDbContext>()).AsNoTracking()
                        .Where(r => list.Contains(r.DocumentId)).OrderBy(r => r.DocumentId).ThenBy(r => r.Position).ToListAsync(ct);
                    return rows.GroupBy(r => r.DocumentId).ToDictionary(g => g.Key, g => g.ToList());
                });
                return new ChainedResult<List<TRow>?>(loader.Load(((SalesDocument)c.Source!).Id), rows => rows ?? []);
            }),
        });

        var payload = new ObjectGraphType { Name = $"Set{typeName}RowsPayload", Description = $"The {entityType} with its new rows and totals, or why they were refused." };
        payload.AddField(new FieldType { Name = entityType, ResolvedType = composer.EntityType(entityType), Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Record) });
        payload.AddField(new FieldType { Name = "errors", ResolvedType = SchemaComposer.NonNullList(composer.Types.UserError), Resolver = new FuncFieldResolver<object?>(c => ((MutationPayload)c.Source!).Errors) });
        composer.Mutation.AddField(new FieldType
        {
            Name = $"set{typeName}Rows",
            Description = $"Replaces the product rows of a {entityType} the caller may update (at most {RowTotals.MaxRows}) and recomputes its totals, as one update of the {entityType}.",
            ResolvedType = new NonNullGraphType(payload),
            Arguments = new QueryArguments(
                new QueryArgument<NonNullGraphType<IdGraphType>> { Name = "id" },
                new QueryArgument(new NonNullGraphType(new ListGraphType(new NonNullGraphType(input)))) { Name = "rows" }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var raw = c.GetArgument<object>("id");
                if (!RecordIds.TryParse(raw, out var id))
                {
                    return new MutationPayload(null, [RecordIds.Invalid(raw, entityType, "id")]);
                }

                var rows = ReadRows(c, "rows");
                var errors = RowTotals.Check(rows, "rows");
                if (errors.Count > 0)
                {
                    return new MutationPayload(null, errors);
                }

                var services = c.RequestServices!;
                var pending = services.GetRequiredService<PendingRows>();
                pending.Offer(entityType, id, rows);
                try
                {
                    var documents = (ICrmEntityDefinition)services.GetRequiredService<IEntityRegistry>().Get(entityType);
                    return await documents.UpdateAsync(services, id, new Dictionary<string, object?>(), c.CancellationToken);
                }
                finally
                {
                    pending.Clear();
                }
            }),
        });
    }

    private static ObjectGraphType RowType()
    {
        var row = new ObjectGraphType { Name = "ProductRow", Description = "A line of a quote or an invoice; amounts in the document's currency." };
        Add(row, "productName", typeof(NonNullGraphType<StringGraphType>), r => r.ProductName);
        Add(row, "price", typeof(NonNullGraphType<DecimalGraphType>), r => r.Price);
        Add(row, "quantity", typeof(NonNullGraphType<DecimalGraphType>), r => r.Quantity);
        Add(row, "discountRate", typeof(NonNullGraphType<DecimalGraphType>), r => r.DiscountRate, "A percentage of price × quantity.");
        Add(row, "taxRate", typeof(NonNullGraphType<DecimalGraphType>), r => r.TaxRate, "A percentage of the net amount.");
        Add(row, "netAmount", typeof(NonNullGraphType<DecimalGraphType>), r => r.NetAmount, "Price × quantity less the discount, rounded to cents.");
        Add(row, "taxAmount", typeof(NonNullGraphType<DecimalGraphType>), r => r.TaxAmount, "The net amount × the tax rate, rounded to cents.");
        Add(row, "totalAmount", typeof(NonNullGraphType<DecimalGraphType>), r => r.TotalAmount, "Net amount plus tax.");
        return row;
    }

    private static void Add(ObjectGraphType type, string name, Type graphType, Func<ProductRow, object?> value, string? description = null) =>
        type.AddField(new FieldType { Name = name, Type = graphType, Description = description, Resolver = new FuncFieldResolver<object?>(c => value((ProductRow)c.Source!)) });

    private static InputObjectGraphType RowInputType()
    {
        var input = new InputObjectGraphType { Name = "ProductRowInput", Description = "A product row; the amounts are computed." };
        input.AddField(new FieldType { Name = "productName", Type = typeof(NonNullGraphType<StringGraphType>), Description = $"1 to {RowTotals.MaxProductNameLength} characters." });
        input.AddField(new FieldType { Name = "price", Type = typeof(NonNullGraphType<DecimalGraphType>), Description = $"0 to {RowTotals.MaxPrice:N0}, at most 2 decimals." });
        input.AddField(new FieldType { Name = "quantity", Type = typeof(NonNullGraphType<DecimalGraphType>), Description = $"0.001 to {RowTotals.MaxQuantity:N0}, at most 3 decimals." });
        input.AddField(new FieldType { Name = "discountRate", Type = typeof(DecimalGraphType), Description = "A percentage, 0 to 100, at most 2 decimals; 0 when left out." });
        input.AddField(new FieldType { Name = "taxRate", Type = typeof(DecimalGraphType), Description = "A percentage, 0 to 100, at most 2 decimals; 0 when left out." });
        return input;
    }
}
