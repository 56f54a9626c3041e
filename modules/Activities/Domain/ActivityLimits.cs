namespace Crm.Modules.Activities.Domain;

/// <summary>The bounds of an activity's input (README, Limits).</summary>
public static class ActivityLimits
{
    public const int SubjectLength = 255;

    public const int DescriptionLength = 20_000;

    public const int TypeIdLength = 50;

    /// <summary>Records one activity is bound to.</summary>
    public const int MaxBindings = 10;

    /// <summary>Phone numbers and e-mail addresses one activity keeps (its communications).</summary>
    public const int MaxCommunications = 20;

    /// <summary>A communication's value: as long as a contact point's.</summary>
    public const int CommunicationValueLength = Crm.PluginSdk.Entities.InputBinder.MaxContactPointLength;
}
