namespace Crm.Modules.Automation.Starts;

/// <summary>What a start without an event may bring (a manual start's <c>input</c>, a webhook body's <c>input</c>).</summary>
public static class StartLimits
{
    /// <summary>Characters of the input as JSON text.</summary>
    public const int MaxInputLength = 16_000;

    /// <summary>Keys of the input object (its top level).</summary>
    public const int MaxInputKeys = 50;

    /// <summary>Characters of an incoming webhook's delivery id.</summary>
    public const int MaxDeliveryIdLength = 200;
}
