using GraphQL.Resolvers;
using GraphQL.Types;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Entities;

/// <summary>
/// A many-to-many link between two registered entity types, owned by the module that stores it.
/// It adds a list field to both types (e.g. <c>Contact.companies</c> and <c>Company.contacts</c>),
/// each resolved in two batches per request, whatever the page size: the link ids of every
/// parent at once, then every linked record at once through the entity registry. Neither type's
/// module needs to know the other.
/// </summary>
public abstract class CrmRelationDefinition : ISchemaContributor
{
    /// <summary>Entity type that holds <see cref="FromField"/>, e.g. "contact".</summary>
    public abstract string FromType { get; }

    /// <summary>Entity type that holds <see cref="ToField"/>, e.g. "company".</summary>
    public abstract string ToType { get; }

    public abstract string FromField { get; }

    public abstract string ToField { get; }

    /// <summary>
    /// The input field of <see cref="FromType"/> that replaces a record's whole list of links
    /// (e.g. "companyIds" on contacts), or null when none does. When a "to" record is deleted,
    /// each "from" record linked to it is updated through this field without it, so that the
    /// change (and whatever the type derives from its links, like a deal's primary contact) goes
    /// through the type's own rules and into its history.
    /// </summary>
    public virtual string? FromInputName => null;

    /// <summary>The "from" records linked to "to" record <paramref name="toId"/>.</summary>
    public async Task<IReadOnlyList<long>> RecordsLinkedToAsync(IServiceProvider services, long toId, CancellationToken cancellationToken) =>
        (await LoadFromIdsAsync(services, [toId], cancellationToken))[toId].Distinct().ToList();

    /// <summary>For each given "from" record, its linked "to" ids in order.</summary>
    public Task<ILookup<long, long>> LinksOfAsync(IServiceProvider services, IReadOnlyCollection<long> fromIds, CancellationToken cancellationToken) =>
        LoadToIdsAsync(services, fromIds, cancellationToken);

    /// <summary>
    /// For records created by the save <paramref name="context"/> is making (an <see cref="Data.IRecordSaveObserver"/>
    /// asks while it runs), their linked "to" ids in order: a new record's links can only be those that save wrote.
    /// A relation that can read them from the save answers without a statement; by default the table is read.
    /// </summary>
    public virtual Task<ILookup<long, long>> LinksOfCreatedAsync(IServiceProvider services, Data.ModuleDbContext context, IReadOnlyCollection<long> createdIds,
        CancellationToken cancellationToken) =>
        LinksOfAsync(services, createdIds, cancellationToken);

    /// <summary>Deletes the stored links of "from" record <paramref name="fromId"/>, or (when null) those to "to" record <paramref name="toId"/>.</summary>
    public abstract Task<int> DeleteLinksAsync(IServiceProvider services, long? fromId, long? toId, CancellationToken cancellationToken);

    /// <summary>For each given "from" id, the linked "to" ids in display order.</summary>
    protected abstract Task<ILookup<long, long>> LoadToIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> fromIds, CancellationToken cancellationToken);

    /// <summary>For each given "to" id, the linked "from" ids in display order.</summary>
    protected abstract Task<ILookup<long, long>> LoadFromIdsAsync(IServiceProvider requestServices, IReadOnlyCollection<long> toIds, CancellationToken cancellationToken);

    public void Contribute(SchemaComposer composer)
    {
        if (!composer.HasEntityType(FromType) || !composer.HasEntityType(ToType))
        {
            // The other side's module is not loaded: the link stays in storage, unseen.
            return;
        }

        composer.EntityType(FromType).AddField(LinkField(composer, FromField, ToType, $"{FromType}->{ToType}", LoadToIdsAsync));
        composer.EntityType(ToType).AddField(LinkField(composer, ToField, FromType, $"{ToType}->{FromType}", LoadFromIdsAsync));
    }

    private static FieldType LinkField(
        SchemaComposer composer,
        string name,
        string targetType,
        string loaderName,
        Func<IServiceProvider, IReadOnlyCollection<long>, CancellationToken, Task<ILookup<long, long>>> loadIds)
    {
        var registry = composer.Registry;
        return new FieldType
        {
            Name = name,
            Description = $"The linked {targetType} records.",
            ResolvedType = SchemaComposer.NonNullList(composer.EntityType(targetType)),
            Resolver = new FuncFieldResolver<object?>(context =>
            {
                var services = context.RequestServices!;
                var links = services.GetRequiredService<BatchLoaderScope>().GetOrAdd<long, long[]>(
                    $"relation:{loaderName}",
                    async (ids, ct) =>
                    {
                        var lookup = await loadIds(services, ids, ct);
                        return lookup.ToDictionary(g => g.Key, g => g.ToArray());
                    });
                var parentId = ((ICrmRecord)context.Source!).Id;
                var projection = SelectedColumns.OfRecord(context);
                return new ChainedResult<long[]?>(links.Load(parentId), targetIds => registry.LoadMany(services, targetType, targetIds ?? [], projection));
            }),
        }.Reads(nameof(ICrmRecord.Id));
    }
}
