using Crm.PluginSdk.Lists;

namespace Crm.Modules.Contacts.Domain;

/// <summary>Contact types, with Bitrix24's ids.</summary>
public sealed class ContactLists : ISelectionListDeclarations
{
    public IEnumerable<SelectionListDeclaration> SelectionLists { get; } =
    [
        new("CONTACT_TYPE", "Contact types", [new("CLIENT", "Clients"), new("SUPPLIER", "Suppliers"), new("PARTNER", "Partners"), new("OTHER", "Other")]),
    ];
}
