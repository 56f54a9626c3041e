using Crm.PluginSdk.Lists;

namespace Crm.Modules.Companies.Domain;

/// <summary>Company types, industries and size bands, with Bitrix24's ids.</summary>
public sealed class CompanyLists : ISelectionListDeclarations
{
    public IEnumerable<SelectionListDeclaration> SelectionLists { get; } =
    [
        new("COMPANY_TYPE", "Company types", [new("CUSTOMER", "Client"), new("SUPPLIER", "Supplier"), new("COMPETITOR", "Competitor"), new("PARTNER", "Partner"), new("OTHER", "Other")]),
        new("INDUSTRY", "Industries",
        [
            new("IT", "Information Technology"), new("TELECOM", "Telecommunication"), new("MANUFACTURING", "Manufacturing"), new("BANKING", "Banking Services"),
            new("CONSULTING", "Consulting"), new("FINANCE", "Finance"), new("GOVERNMENT", "Government"), new("DELIVERY", "Delivery"),
            new("ENTERTAINMENT", "Entertainment"), new("NOTPROFIT", "Not for profit"), new("OTHER", "Other"),
        ]),
        new("EMPLOYEES", "Employee counts", [new("EMPLOYEES_1", "less than 50"), new("EMPLOYEES_2", "50-250"), new("EMPLOYEES_3", "250-500"), new("EMPLOYEES_4", "over 500")]),
    ];
}
