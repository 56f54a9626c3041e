using Crm.PluginSdk.Lists;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>The lists every installation starts with, with Bitrix24's ids so that data moving over keeps its meaning.</summary>
public static class DefaultLists
{
    public const string LeadStatus = "STATUS";
    public const string Source = "SOURCE";
    public const string ContactType = "CONTACT_TYPE";
    public const string CompanyType = "COMPANY_TYPE";
    public const string Industry = "INDUSTRY";
    public const string Employees = "EMPLOYEES";
    public const string DealType = "DEAL_TYPE";
    public const string Honorific = "HONORIFIC";
    public const string DealStage = "DEAL_STAGE";

    /// <summary>Names of the known lists; a pipeline's stage lists (DEAL_STAGE_n) come and go with it.</summary>
    public static readonly IReadOnlyDictionary<string, string> Names = new Dictionary<string, string>
    {
        [LeadStatus] = "Lead statuses",
        [Source] = "Sources",
        [ContactType] = "Contact types",
        [CompanyType] = "Company types",
        [Industry] = "Industries",
        [Employees] = "Employee counts",
        [DealType] = "Deal types",
        [Honorific] = "Honorifics",
        [DealStage] = "Deal stages (default pipeline)",
    };

    /// <summary>Whether items of the list carry semantics (in process, success, failure).</summary>
    public static bool HasSemantics(string entityId) => entityId == LeadStatus || IsStageList(entityId);

    public static bool IsStageList(string entityId) =>
        entityId == DealStage || (entityId.StartsWith(DealStage + "_", StringComparison.Ordinal) && int.TryParse(entityId.AsSpan(DealStage.Length + 1), out _));

    public static IEnumerable<ListItem> Seed()
    {
        var sort = 0;
        ListItem Item(string list, string id, string name, ListItemSemantics? semantics = null, bool system = false, string? color = null, int? probability = null)
        {
            sort += 10;
            return new ListItem { EntityId = list, StatusId = id, Name = name, Sort = sort, Semantics = semantics, System = system, Color = color, Probability = probability };
        }

        IEnumerable<ListItem> List(string list, params (string Id, string Name)[] items)
        {
            sort = 0;
            return items.Select(i => Item(list, i.Id, i.Name)).ToList();
        }

        sort = 0;
        var statuses = new List<ListItem>
        {
            Item(LeadStatus, "NEW", "Unassigned", ListItemSemantics.Process, system: true, color: "#39A8EF"),
            Item(LeadStatus, "IN_PROCESS", "In progress", ListItemSemantics.Process, color: "#2FC6F6"),
            Item(LeadStatus, "PROCESSED", "Processed", ListItemSemantics.Process, color: "#55D0E0"),
            Item(LeadStatus, "CONVERTED", "Good lead", ListItemSemantics.Success, system: true, color: "#7BD500"),
            Item(LeadStatus, "JUNK", "Junk lead", ListItemSemantics.Failure, system: true, color: "#FF5752"),
        };
        sort = 0;
        var stages = new List<ListItem>
        {
            Item(DealStage, "NEW", "New", ListItemSemantics.Process, system: true, color: "#39A8EF", probability: 10),
            Item(DealStage, "PREPARATION", "Document preparation", ListItemSemantics.Process, color: "#2FC6F6", probability: 20),
            Item(DealStage, "PREPAYMENT_INVOICE", "Invoice", ListItemSemantics.Process, color: "#55D0E0", probability: 40),
            Item(DealStage, "EXECUTING", "In progress", ListItemSemantics.Process, color: "#47E4C2", probability: 60),
            Item(DealStage, "FINAL_INVOICE", "Final invoice", ListItemSemantics.Process, color: "#FFA900", probability: 80),
            Item(DealStage, "WON", "Deal won", ListItemSemantics.Success, system: true, color: "#7BD500", probability: 100),
            Item(DealStage, "LOSE", "Deal lost", ListItemSemantics.Failure, system: true, color: "#FF5752", probability: 0),
        };

        return statuses.Concat(stages)
            .Concat(List(Source, ("CALL", "Call"), ("EMAIL", "E-mail"), ("WEB", "Website"), ("ADVERTISING", "Advertising"), ("PARTNER", "Existing client"),
                ("RECOMMENDATION", "By recommendation"), ("TRADE_SHOW", "Show/Exhibition"), ("WEBFORM", "CRM form"), ("CALLBACK", "Callback"),
                ("STORE", "Online store"), ("OTHER", "Other")))
            .Concat(List(ContactType, ("CLIENT", "Clients"), ("SUPPLIER", "Suppliers"), ("PARTNER", "Partners"), ("OTHER", "Other")))
            .Concat(List(CompanyType, ("CUSTOMER", "Client"), ("SUPPLIER", "Supplier"), ("COMPETITOR", "Competitor"), ("PARTNER", "Partner"), ("OTHER", "Other")))
            .Concat(List(Industry, ("IT", "Information Technology"), ("TELECOM", "Telecommunication"), ("MANUFACTURING", "Manufacturing"),
                ("BANKING", "Banking Services"), ("CONSULTING", "Consulting"), ("FINANCE", "Finance"), ("GOVERNMENT", "Government"),
                ("DELIVERY", "Delivery"), ("ENTERTAINMENT", "Entertainment"), ("NOTPROFIT", "Not for profit"), ("OTHER", "Other")))
            .Concat(List(Employees, ("EMPLOYEES_1", "less than 50"), ("EMPLOYEES_2", "50-250"), ("EMPLOYEES_3", "250-500"), ("EMPLOYEES_4", "over 500")))
            .Concat(List(DealType, ("SALE", "Sales"), ("COMPLEX", "Complex sale"), ("GOODS", "Merchandise sale"), ("SERVICES", "Service sale"),
                ("SERVICE", "After-sales service")))
            .Concat(List(Honorific, ("HNR_EN_1", "Mr."), ("HNR_EN_2", "Mrs."), ("HNR_EN_3", "Ms."), ("HNR_EN_4", "Dr.")));
    }
}
