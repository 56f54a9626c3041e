using System.Globalization;
using System.Text.Json.Nodes;
using Crm.Modules.Automation.Data;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Automation.Processes;

/// <summary>An approval as a decision left it, or why the decision was refused.</summary>
public sealed record ApprovalPayload(ProcessApproval? Approval, IReadOnlyList<UserError> Errors);

/// <summary>
/// Approval steps: opened when an instance reaches one (a row and one per assignee), decided by
/// <c>completeApproval</c>. A decision is one transaction that holds the approval's row (PostgreSQL:
/// <c>FOR UPDATE</c>; SQLite's writers take turns), records the assignee's vote, and when the mode
/// decides (any: the first vote; all: every approval or the first rejection; majority: more than
/// half either way), closes the approval and moves the waiting branch along the matching edge, in
/// the same transaction; the engine then advances the instance. Twenty parallel decisions count
/// each vote once and decide once.
/// </summary>
public sealed class Approvals(IServiceProvider services)
{
    private readonly AutomationDbContext _db = services.GetRequiredService<AutomationDbContext>();

    internal static Transition Open(ProcessInstance instance, InstanceState state, InstanceToken token, ProcessStep step, ProcessStepRun history, DateTimeOffset clock, IReadOnlyList<long> assignees)
    {
        var now = clock.UtcDateTime;
        var timeout = ProcessValidator.Duration(step.Params, "timeout");
        return new(state, history with { Status = "WAITING" })
        {
            Before = async (db, cancellationToken) =>
            {
                var approval = new ProcessApproval
                {
                    InstanceId = instance.Id,
                    StepId = step.Id,
                    Token = token.Id,
                    Title = step.Params["title"]?.GetValue<string>() ?? step.Name ?? step.Id,
                    EntityType = instance.EntityType,
                    EntityId = instance.EntityId,
                    Mode = Enum.Parse<ApprovalMode>(step.Params["mode"]?.GetValue<string>() ?? "any", true),
                    Status = ApprovalStatus.Open,
                    CreatedAt = now,
                };
                foreach (var user in assignees)
                {
                    approval.Assignees.Add(new ProcessApprovalAssignee { UserId = user });
                }

                db.ProcessApprovals.Add(approval);
                await db.SaveChangesAsync(cancellationToken);
                return state.Replace(token.Id, token with
                {
                    Wait = new TokenWait("approval", ApprovalId: approval.Id, Timer: timeout is null ? null : ProcessEngine.TimerKey(instance, token), DueAt: clock + timeout),
                });
            },
        };
    }

    /// <summary>The decision of the caller on approval <paramref name="id"/>; then the instance advances.</summary>
    public async Task<ApprovalPayload> CompleteAsync(long id, ApprovalDecision decision, string? comment, CancellationToken cancellationToken)
    {
        var actor = services.GetRequiredService<ICurrentActor>();
        if (comment is { Length: > ProcessLimits.MaxCommentLength })
        {
            return new ApprovalPayload(null, [UserError.At(ErrorCodes.TooLong, $"A comment is at most {ProcessLimits.MaxCommentLength} characters.", "comment")]);
        }

        if (actor.UserId is not { } me)
        {
            return new ApprovalPayload(null, [UserError.At(ErrorCodes.Forbidden, "Only a signed-in assignee decides an approval.", "id")]);
        }

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        long? resumed = null;
        var payload = await services.GetRequiredService<CrmDatabaseSession>().InTransactionAsync(async () =>
        {
            await _db.LockAsync<ProcessApproval>([id], RowLock.Update, cancellationToken);

            var approval = await _db.ProcessApprovals.Include(a => a.Assignees).FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
            if (approval?.Assignees.FirstOrDefault(a => a.UserId == me) is not { } mine)
            {
                // Not telling a stranger whether the approval exists.
                return new ApprovalPayload(null, [UserError.At(ErrorCodes.NotFound, $"No approval {id.ToString(CultureInfo.InvariantCulture)} is assigned to you.", "id")]);
            }

            if (approval.Status != ApprovalStatus.Open || mine.Decision is not null)
            {
                return new ApprovalPayload(null, [UserError.At(ErrorCodes.InvalidValue,
                    approval.Status != ApprovalStatus.Open ? $"The approval is already {approval.Status.ToString().ToUpperInvariant()}." : "You have already decided this approval.", "id")]);
            }

            var instance = await _db.ProcessInstances.FirstAsync(i => i.Id == approval.InstanceId, cancellationToken);
            var definition = ProcessDefinition.FromJson((await _db.ProcessVersions.AsNoTracking().FirstAsync(v => v.ProcessId == instance.ProcessId && v.Version == instance.ProcessVersion, cancellationToken)).Definition);
            if (decision == ApprovalDecision.RequestInformation && definition.Out(approval.StepId).All(e => e.When != "information"))
            {
                return new ApprovalPayload(null, [UserError.At(ErrorCodes.InvalidValue, "This approval step has no 'information' edge: approve or reject.", "decision")]);
            }

            (mine.Decision, mine.Comment, mine.DecidedAt) = (decision, string.IsNullOrWhiteSpace(comment) ? null : comment, now);
            var outcome = Outcome(approval);
            if (outcome is { } status)
            {
                approval.Status = status;
                approval.DecidedAt = now;
                if (instance.Status is InstanceStatus.Running or InstanceStatus.Waiting)
                {
                    var state = InstanceState.FromJson(instance.State);
                    var label = status switch { ApprovalStatus.Approved => "approved", ApprovalStatus.Rejected => "rejected", _ => "information" };
                    if (state.Tokens.FirstOrDefault(t => t.Wait?.ApprovalId == approval.Id) is { } token)
                    {
                        var next = definition.Out(approval.StepId).First(e => e.When == label).To;
                        instance.State = state.Replace(token.Id, token with { At = next, Wait = null }).ToJson();
                        instance.Status = InstanceStatus.Running;
                        instance.Revision++;
                        instance.UpdatedAt = now;
                        _db.ProcessStepRuns.Add(new ProcessStepRun
                        {
                            InstanceId = instance.Id, Token = token.Id, StepId = approval.StepId, Kind = StepKinds.Approval, Status = "SUCCEEDED", Outcome = label, At = now,
                            Output = new JsonObject { ["approvalId"] = approval.Id, ["votes"] = Votes(approval) }.ToJsonString(),
                        });
                        resumed = instance.Id;
                    }
                }
            }

            await _db.SaveChangesAsync(cancellationToken);
            return new ApprovalPayload(approval, []);
        }, p => p.Errors.Count == 0, cancellationToken);

        if (resumed is { } instanceId)
        {
            await using var scope = services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<ProcessEngine>().AdvanceAsync(instanceId, cancellationToken);
        }

        return payload;
    }

    /// <summary>What the votes so far decide by the approval's mode; null while it stays open.</summary>
    public static ApprovalStatus? Outcome(ProcessApproval approval)
    {
        var votes = approval.Assignees.Select(a => a.Decision).ToList();
        if (votes.Contains(ApprovalDecision.RequestInformation))
        {
            return ApprovalStatus.InformationRequested;
        }

        var (approved, rejected, all) = (votes.Count(v => v == ApprovalDecision.Approve), votes.Count(v => v == ApprovalDecision.Reject), votes.Count);
        var needed = all / 2 + 1;
        return approval.Mode switch
        {
            ApprovalMode.Any when approved > 0 => ApprovalStatus.Approved,
            ApprovalMode.Any when rejected > 0 => ApprovalStatus.Rejected,
            ApprovalMode.All when rejected > 0 => ApprovalStatus.Rejected,
            ApprovalMode.All when approved == all => ApprovalStatus.Approved,
            ApprovalMode.Majority when approved >= needed => ApprovalStatus.Approved,
            ApprovalMode.Majority when all - rejected < needed => ApprovalStatus.Rejected,
            _ => null,
        };
    }

    private static JsonArray Votes(ProcessApproval approval) =>
        new([.. approval.Assignees.Where(a => a.Decision is not null).OrderBy(a => a.DecidedAt).Select(a => (JsonNode)new JsonObject
        {
            ["userId"] = a.UserId,
            ["decision"] = a.Decision!.Value.ToString().ToUpperInvariant(),
            ["comment"] = a.Comment,
        })]);
}
