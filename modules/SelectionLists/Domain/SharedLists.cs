using Crm.PluginSdk.Lists;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>The lists several record types share (Bitrix24's SOURCE and HONORIFIC), declared by the lists' own module.</summary>
public sealed class SharedLists : ISelectionListDeclarations
{
    public IEnumerable<SelectionListDeclaration> SelectionLists { get; } =
    [
        new("SOURCE", "Sources",
        [
            new("CALL", "Call"), new("EMAIL", "E-mail"), new("WEB", "Website"), new("ADVERTISING", "Advertising"), new("PARTNER", "Existing client"),
            new("RECOMMENDATION", "By recommendation"), new("TRADE_SHOW", "Show/Exhibition"), new("WEBFORM", "CRM form"), new("CALLBACK", "Callback"),
            new("STORE", "Online store"), new("OTHER", "Other"),
        ]),
        new("HONORIFIC", "Honorifics", [new("HNR_EN_1", "Mr."), new("HNR_EN_2", "Mrs."), new("HNR_EN_3", "Ms."), new("HNR_EN_4", "Dr.")]),
    ];
}
