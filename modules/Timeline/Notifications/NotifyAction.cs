using System.Text.Json.Nodes;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;

namespace Crm.Modules.Timeline.Notifications;

/// <summary>
/// <c>timeline.notify</c>: a notification for a user, about the run's record unless told otherwise,
/// sent as the run-as user: in the recipient's <c>notifications</c> and live in <c>notificationEvents</c>.
/// </summary>
public sealed class NotifyAction : IAutomationActionKind
{
    public string Name => "timeline.notify";

    public string Description => "Notifies a user: a text in their notifications (and live to their subscriptions), about the run's record unless aboutRecord is false.";

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("userId", ParameterType.User, "Who to notify.") { Required = true },
        new("text", ParameterType.Text, "What to tell them: plain text.") { Required = true, MaxLength = NotificationLimits.MaxTextLength },
        new("aboutRecord", ParameterType.Boolean, "Whether it is about the run's record (default true).") { Default = true },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => true;

    public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
    {
        var about = context.Parameters.GetOrDefault("aboutRecord", true);
        var userId = context.Parameters.Get<long>("userId");
        var (notification, refused) = await new NotificationWriter(context.Services).AddAsync(userId, context.Parameters.Get<string>("text"),
            about ? (context.Record.EntityType, context.Record.Id) : null, cancellationToken);
        if (notification is null)
        {
            return ActionOutcome.Refused([refused!]);
        }

        return ActionOutcome.Success(new JsonObject { ["notificationId"] = notification.Id },
            new SideEffect(SideEffectKind.Notification, context.Record.EntityType, context.Record.Id, new JsonObject { ["notificationId"] = notification.Id, ["userId"] = userId }));
    }
}
