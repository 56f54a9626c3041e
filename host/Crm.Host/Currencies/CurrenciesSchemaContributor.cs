using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Metadata;
using Crm.PluginSdk.Security;
using GraphQL;
using GraphQL.Resolvers;
using GraphQL.Types;

namespace Crm.Host.Currencies;

/// <summary>
/// <c>currencies(language:) { code name default }</c>: the ISO 4217 currencies a front end offers
/// for a money value, named in the caller's language (Polish or English), the deployment's default
/// (Currencies:Default) first. A fixed list of <see cref="CurrencyCatalog.All"/>'s 156 entries.
/// </summary>
public sealed class CurrenciesSchemaContributor(CurrencyCatalog catalog) : ISchemaContributor
{
    private sealed record Named(Currency Currency, bool Polish, bool IsDefault);

    public void Contribute(SchemaComposer composer)
    {
        var currency = new ObjectGraphType { Name = "Currency", Description = "An ISO 4217 currency in use." };
        currency.AddField(SharedGraphTypes.Field<Named>("code", typeof(NonNullGraphType<StringGraphType>), c => c.Currency.Code, "Its three-letter code (EUR), as a money value takes it."));
        currency.AddField(SharedGraphTypes.Field<Named>("name", typeof(NonNullGraphType<StringGraphType>), c => c.Polish ? c.Currency.Polish : c.Currency.English,
            "Its name in the language asked for (euro, złoty polski; Euro, Polish Zloty)."));
        currency.AddField(SharedGraphTypes.Field<Named>("default", typeof(NonNullGraphType<BooleanGraphType>), c => c.IsDefault, "The deployment's default currency (Currencies:Default)."));
        composer.Query.AddField(new FieldType
        {
            Name = "currencies",
            Description = $"The {CurrencyCatalog.All.Count} ISO 4217 currencies in use (no funds, metals or test codes), the deployment's default first, then by code; "
                + "named in Polish or English. What front ends offer: a money value still takes any three-letter code.",
            ResolvedType = SchemaComposer.NonNullList(currency),
            Arguments = new QueryArguments(new QueryArgument<StringGraphType>
            {
                Name = "language",
                Description = $"The names' language (pl, or pl-PL ...: Polish; any other: English); by default the caller's (me.language). At most {Labels.MaxLanguageLength} characters.",
            }),
            Resolver = new FuncFieldResolver<object?>(async c =>
            {
                var polish = CurrencyCatalog.IsPolish(await LanguageAsync(c));
                return catalog.Ordered.Select(x => new Named(x, polish, x == catalog.Default)).ToList();
            }),
        });
    }

    private static async Task<string?> LanguageAsync(IResolveFieldContext context)
    {
        if (context.GetArgument<string?>("language") is { } asked)
        {
            return asked.Length <= Labels.MaxLanguageLength
                ? asked
                : throw ErrorCodes.Error(ErrorCodes.LimitExceeded, $"'language' has at most {Labels.MaxLanguageLength} characters.");
        }

        var services = context.RequestServices!;
        return services.GetRequiredService<ICurrentActor>().UserId is { } userId && services.GetService<IUserDirectory>() is { } directory
            ? await directory.LanguageOfAsync(userId, context.CancellationToken)
            : null;
    }
}
