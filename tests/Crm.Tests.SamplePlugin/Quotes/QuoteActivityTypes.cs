using Crm.PluginSdk.Activities;

namespace Crm.Tests.SamplePlugin.Quotes;

/// <summary>An activity type of the plugin's own (Bitrix24's activity providers): found by convention, offered by activityTypes.</summary>
public sealed class QuoteActivityTypes : IActivityTypeDeclarations
{
    public IEnumerable<ActivityTypeDeclaration> ActivityTypes { get; } = [new(SamplePluginModule.Id, "QUOTE_REVIEW", "Quote review")];
}
