using Crm.PluginSdk.Lists;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>The plugin's own selection list: a quote's status, which admins edit like any list.</summary>
public sealed class QuoteLists : ISelectionListDeclarations
{
    public const string Statuses = "QUOTE_STATUS";
    public const string Draft = "DRAFT";
    public const string Accepted = "ACCEPTED";
    public const string Withdrawn = "WITHDRAWN";

    public IEnumerable<SelectionListDeclaration> SelectionLists { get; } =
    [
        new(Statuses, "Quote statuses",
        [
            new(Draft, "Draft", ListItemSemantics.Process, System: true),
            new("SENT", "Sent to the client", ListItemSemantics.Process),
            new(Accepted, "Accepted", ListItemSemantics.Success, System: true),
            new("DECLINED", "Declined", ListItemSemantics.Failure),
            new(Withdrawn, "Withdrawn", ListItemSemantics.Failure, System: true),
        ]) { HasSemantics = true },
    ];
}
