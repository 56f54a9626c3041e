using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Records;

namespace Crm.Modules.Deals.Domain;

/// <summary>An opportunity; Bitrix24's CRM deal.</summary>
[CrmRecord(DealEntity.Name)]
public sealed class Deal : AuditedRecord, ISearchableRecord, Crm.PluginSdk.Security.IOwnedRecord
{
    IEnumerable<string?> ISearchableRecord.SearchTexts => [Title];

    IEnumerable<string> ISearchableRecord.SearchHandles => [];

    IEnumerable<string> ISearchableRecord.SearchPhones => [];

    public string Title { get; set; } = "";

    /// <summary>DEAL_TYPE list item.</summary>
    public string? TypeId { get; set; }

    /// <summary>The pipeline (Bitrix24's category); 0 is the default one.</summary>
    public long PipelineId { get; set; }

    /// <summary>An item of the pipeline's stage list: DEAL_STAGE, or DEAL_STAGE_n for pipeline n.</summary>
    public string StageId { get; set; } = "";

    /// <summary>The stage's semantics, kept with the deal so that open and closed deals filter fast.</summary>
    public ListItemSemantics StageSemantics { get; set; }

    /// <summary>Whether the deal is won or lost: its stage is not "in process".</summary>
    public bool Closed { get; set; }

    public int? Probability { get; set; }

    public decimal Opportunity { get; set; }

    public string CurrencyId { get; set; } = "USD";

    public DateOnly? BeginDate { get; set; }

    public DateOnly? CloseDate { get; set; }

    public long? CompanyId { get; set; }

    /// <summary>The primary contact: the first of the deal's contacts.</summary>
    public long? ContactId { get; set; }

    public string? SourceId { get; set; }

    public string? SourceDescription { get; set; }

    public long? AssignedById { get; set; }

    public bool Opened { get; set; } = true;

    public string? Comments { get; set; }

    /// <summary>The lead this deal was converted from.</summary>
    public long? LeadId { get; set; }

    public string? UtmSource { get; set; }

    public string? UtmMedium { get; set; }

    public string? UtmCampaign { get; set; }

    public string? UtmContent { get; set; }

    public string? UtmTerm { get; set; }

    public List<DealContactLink> ContactLinks { get; set; } = [];

    /// <summary>The stage list of a pipeline, as Bitrix24 names it.</summary>
    public static string StageListOf(long pipelineId) => pipelineId == 0 ? StageListFamily : $"{StageListFamily}_{pipelineId}";

    /// <summary>The stage lists' family: the default pipeline's list, and DEAL_STAGE_n for the others.</summary>
    public const string StageListFamily = "DEAL_STAGE";
}

/// <summary>One of a deal's contacts; the contact lives in another module.</summary>
public sealed class DealContactLink : IOrderedLink
{
    long IOrderedLink.TargetId => ContactId;

    public long DealId { get; set; }

    public long ContactId { get; set; }

    public int Sort { get; set; }
}

/// <summary>A sales pipeline (Bitrix24's deal category) with its own stage list.</summary>
public sealed class Pipeline
{
    public const long DefaultId = 0;

    public long Id { get; set; }

    public string Name { get; set; } = "";

    public int Sort { get; set; }

    public bool IsDefault => Id == DefaultId;
}
