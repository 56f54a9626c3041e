using System.Text.Json.Nodes;
using Crm.Modules.Timeline.Comments;
using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;

namespace Crm.Modules.Timeline.Automation;

/// <summary>
/// <c>timeline.addComment</c>: comments on the run's record as the run-as user (its author), as
/// <c>addComment</c> would: the same rights (whoever may read the record), limits and mentions.
/// </summary>
public sealed class AddCommentAction : IAutomationActionKind
{
    public string Name => "timeline.addComment";

    public string Description => "Adds a comment to the record's timeline, written by the run-as user; @[user:5] mentions user 5.";

    public IReadOnlyList<AutomationParameter> Parameters { get; } =
    [
        new("text", ParameterType.Text, "The comment: plain text; @[user:5] mentions user 5.") { Required = true, MaxLength = CommentLimits.MaxTextLength },
    ];

    public bool AppliesTo(ICrmEntityDefinition recordType) => true;

    public async Task<ActionOutcome> ExecuteAsync(AutomationActionContext context, CancellationToken cancellationToken)
    {
        var payload = await new CommentWriter(context.Services).AddAsync(context.Record.EntityType, context.Record.Id, context.Parameters.Get<string>("text"), cancellationToken);
        if (payload.Errors.Count > 0 || payload.Record is not Comment comment)
        {
            return ActionOutcome.Refused(payload.Errors);
        }

        return ActionOutcome.Success(new JsonObject { ["commentId"] = comment.Id },
            new SideEffect(SideEffectKind.Comment, context.Record.EntityType, context.Record.Id, new JsonObject { ["commentId"] = comment.Id }));
    }
}
