using Company.CrmPlugin.Data;
using Crm.PluginSdk.Entities;

namespace Company.CrmPlugin.Items;

/// <summary>
/// The record type: from this declaration the platform serves item(id:), items(where:, order:,
/// search:, first:, after:), createItem, updateItem and deleteItem with rights, custom fields,
/// search, history and events.
/// </summary>
public sealed class ItemEntity() : CrmEntityDefinition<Item, PluginDbContext>(Name)
{
    /// <summary>The record type's name: its key everywhere (GraphQL type Item, CrmEntityType.ITEM). Claim one no other module holds.</summary>
    public new const string Name = "item";

    public const int MaxTitleLength = 255;

    protected override void Configure(EntityBuilder<Item> entity)
    {
        entity.Describe("An item of Company.CrmPlugin.");
        entity.Field(i => i.Title).Required().MaxLength(MaxTitleLength).ShowInList();
        entity.Field(i => i.Amount).Range(0).ShowInList();
        entity.Field(i => i.AssignedById).ReferencesUser("assignedBy");
        entity.Field(i => i.Opened);
        entity.AuditFields();
    }
}
