using Crm.PluginSdk.Entities;

namespace Crm.PluginSdk.Tests;

/// <summary>Record type names are the key: what two types may not both claim, and the type ids only Bitrix24's types get.</summary>
public sealed class EntityRegistryTests
{
    /// <summary>A type of any name, with the sample record's fields.</summary>
    private sealed class Named(string name, string? graphName = null, string? plural = null) : CrmEntityDefinition<SampleRecord, SampleDbContext>(Configured(name, graphName, plural))
    {
        [ThreadStatic]
        private static (string? Graph, string? Plural) _next;

        private static string Configured(string name, string? graphName, string? plural)
        {
            _next = (graphName, plural);
            return name;
        }

        protected override void Configure(EntityBuilder<SampleRecord> entity)
        {
            entity.Field(r => r.Title);
            if (_next.Graph is { } graph)
            {
                entity.GraphName(graph);
            }

            if (_next.Plural is { } pluralName)
            {
                entity.Plural(pluralName);
            }
        }
    }

    [Theory]
    [InlineData("lead", 1)]
    [InlineData("deal", 2)]
    [InlineData("contact", 3)]
    [InlineData("company", 4)]
    public void Bitrix24s_types_keep_their_ids(string name, int id) => Assert.Equal(id, new Named(name).TypeId);

    [Theory]
    [InlineData("quote")]
    [InlineData("sample")]
    [InlineData("invoice")]
    [InlineData("Deal")]
    public void Every_other_type_has_no_id(string name) => Assert.Null(new Named(name).TypeId);

    [Theory]
    [InlineData("quote", "quote", null, null, "the record type name 'quote'")]
    [InlineData("quote", "offer", "Quote", null, "the GraphQL type name 'Quote'")]
    [InlineData("quote", "quotes", null, null, "the root field 'quotes'")]
    [InlineData("quote", "offer", null, "quote", "the root field 'quote'")]
    [InlineData("quoteItem", "quote_item", null, null, "the CrmEntityType value QUOTE_ITEM")]
    public void A_second_type_may_not_claim_what_the_first_holds(string first, string name, string? graphName, string? plural, string claim)
    {
        var held = new Named(first);
        var candidate = new Named(name, graphName, plural);
        Assert.Equal(claim, EntityRegistry.Clash(held, candidate));
        var error = Assert.Throws<ArgumentException>(() => new EntityRegistry([held, candidate]));
        Assert.Contains(claim, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Types_that_claim_nothing_of_each_other_live_together()
    {
        ICrmEntityType[] types = [new Named("quote"), new Named("invoice"), new Named("deal"), new Named("quoteItem")];
        Assert.All(types, a => Assert.All(types.Where(b => b != a), b => Assert.Null(EntityRegistry.Clash(a, b))));
        Assert.Equal(4, new EntityRegistry(types).Types.Count);
    }
}
