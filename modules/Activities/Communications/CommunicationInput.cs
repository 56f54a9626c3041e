using System.Collections;
using System.Globalization;
using Crm.Modules.Activities.Data;
using Crm.Modules.Activities.Domain;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.Activities.Communications;

/// <summary>
/// Input <c>communications</c> of createActivity and updateActivity: when given, replaces the
/// activity's list (null or [] empties it); when not given, leaves it. Each value is checked as
/// the SDK checks a contact point of its kind; a record named must be of a type whose records hold
/// contact points of that kind, exist, and be readable by the caller, and it is held until the
/// write commits, so that a concurrent delete waits for it (and then clears the reference).
/// </summary>
internal static class CommunicationInput
{
    public const string Name = "communications";

    public static async Task ApplyAsync(MutationContext<Activity, ActivitiesDbContext> mutation)
    {
        if (!mutation.Input.TryGetValue(Name, out var value))
        {
            return;
        }

        var wanted = value is null ? [] : Read(mutation, value);
        if (wanted is null || !await RecordsReadableAsync(mutation, wanted))
        {
            return;
        }

        var activity = mutation.Record;
        if (mutation.IsCreate)
        {
            activity.Communications = wanted.Select((w, i) => new ActivityCommunication
            {
                Position = i, Type = w.Type, Value = w.Value, EntityType = w.EntityType, EntityId = w.EntityId,
            }).ToList();
            return;
        }

        await ReplaceAsync(mutation.Db, activity, wanted, mutation.CancellationToken);
    }

    /// <summary>
    /// Replaces the stored list, row by row in place (a row's key is its position), and tells the
    /// change to the activity's history. The activity's row is locked by the update already; its
    /// communications are read after that lock, so a concurrent writer's list is the one replaced.
    /// </summary>
    private static async Task ReplaceAsync(ActivitiesDbContext db, Activity activity, IReadOnlyList<CommunicationValue> wanted, CancellationToken cancellationToken)
    {
        var id = activity.Id;
        var rows = await db.Communications.Where(c => c.ActivityId == id).OrderBy(c => c.Position).ToListAsync(cancellationToken);
        var before = rows.Select(r => r.ToValue()).ToList();
        if (before.SequenceEqual(wanted))
        {
            return;
        }

        for (var i = 0; i < wanted.Count; i++)
        {
            var row = i < rows.Count ? rows[i] : db.Communications.Add(new ActivityCommunication { ActivityId = id, Position = i }).Entity;
            (row.Type, row.Value, row.EntityType, row.EntityId) = (wanted[i].Type, wanted[i].Value, wanted[i].EntityType, wanted[i].EntityId);
        }

        db.Communications.RemoveRange(rows.Skip(wanted.Count));
        db.RecordChange(activity, Name, before, wanted);
    }

    /// <summary>The list as given, checked and normalised; null (with the errors told) when any item is refused.</summary>
    private static List<CommunicationValue>? Read(MutationContext<Activity, ActivitiesDbContext> mutation, object value)
    {
        if (value is not IEnumerable list || value is string)
        {
            mutation.AddError(ErrorCodes.InvalidFormat, "Expected a list of { type value entityType entityId }.", Name);
            return null;
        }

        var items = list.Cast<object?>().ToList();
        if (items.Count > ActivityLimits.MaxCommunications)
        {
            mutation.AddError(ErrorCodes.LimitExceeded,
                $"An activity keeps at most {ActivityLimits.MaxCommunications.ToString(CultureInfo.InvariantCulture)} communications; {items.Count.ToString(CultureInfo.InvariantCulture)} were given.", Name);
            return null;
        }

        var refused = false;
        void Refuse(string code, string message, params string[] path)
        {
            refused = true;
            mutation.AddError(code, message, [Name, .. path]);
        }

        var wanted = new List<CommunicationValue>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var index = i.ToString(CultureInfo.InvariantCulture);
            if (items[i] is not IDictionary<string, object?> item)
            {
                Refuse(ErrorCodes.InvalidFormat, "Expected { type value entityType entityId }.", index);
                continue;
            }

            var type = item.TryGetValue("type", out var t) ? t as string ?? "" : "";
            var kind = CommunicationTypes.KindOf(type);
            if (kind is null)
            {
                Refuse(ErrorCodes.InvalidValue, $"'{type}' is not one of {string.Join(", ", CommunicationTypes.All)}.", index, "type");
            }

            // Trimmed and checked as the SDK checks a contact's phones and e-mails.
            var text = (item.TryGetValue("value", out var v) ? v as string : null)?.Trim() ?? "";
            if (text.Length == 0)
            {
                Refuse(ErrorCodes.Required, $"'{Name}[{index}].value' cannot be empty.", index, "value");
            }
            else if (text.Length > ActivityLimits.CommunicationValueLength)
            {
                Refuse(ErrorCodes.TooLong, $"'{Name}[{index}].value' is {text.Length.ToString(CultureInfo.InvariantCulture)} characters long; the limit is {ActivityLimits.CommunicationValueLength.ToString(CultureInfo.InvariantCulture)}.", index, "value");
            }
            else if (kind is { } k && !InputBinder.IsWellFormed(k, text))
            {
                Refuse(ErrorCodes.InvalidFormat, $"'{text}' is not a valid {(k == ContactPointKind.Email ? "e-mail address" : "phone number")}.", index, "value");
            }

            var entityType = item.TryGetValue("entityType", out var et) ? et as string : null;
            var rawId = item.TryGetValue("entityId", out var ei) ? ei : null;
            long? entityId = null;
            if (entityType is null != rawId is null)
            {
                Refuse(ErrorCodes.Required, "A communication's record is given by entityType and entityId together.", index, entityType is null ? "entityType" : "entityId");
            }
            else if (entityType is not null)
            {
                if (kind is { } pointKind && !HoldsContactPoints(mutation.Registry.Find(entityType), pointKind))
                {
                    Refuse(ErrorCodes.InvalidValue, $"A {entityType} has no {(pointKind == ContactPointKind.Email ? "e-mail addresses" : "phone numbers")}: a {type} communication cannot belong to one.", index, "entityType");
                }

                if (RecordIds.TryParse(rawId, out var parsed))
                {
                    entityId = parsed;
                }
                else
                {
                    Refuse(ErrorCodes.InvalidId, RecordIds.Problem(rawId, entityType), index, "entityId");
                }
            }

            // Kept as given, repeats included (a list's positions are the input's, for the paths of refusals).
            wanted.Add(new CommunicationValue(type, text, entityId is null ? null : entityType, entityId));
        }

        return refused ? null : wanted;
    }

    /// <summary>
    /// Whose phone or e-mail a communication is can only be a record that holds phones or e-mails:
    /// a contact, a company, a lead, a plugin's type that declares such contact points. Not a deal.
    /// </summary>
    private static bool HoldsContactPoints(ICrmEntityType? type, ContactPointKind kind) =>
        type is ICrmEntityDefinition definition
        && definition.Fields.Values.Any(f => f.Kind == FieldKind.ContactPoints && f.PointKind == kind);

    /// <summary>
    /// Every record named exists and the caller may read it (refused as a binding is: NOT_FOUND when
    /// the caller reaches the whole type, else FORBIDDEN); held until the write commits.
    /// </summary>
    private static async Task<bool> RecordsReadableAsync(MutationContext<Activity, ActivitiesDbContext> mutation, List<CommunicationValue> wanted)
    {
        var ok = true;
        foreach (var group in wanted.Select((w, i) => (w.EntityType, w.EntityId, Index: i)).Where(w => w.EntityType is not null).GroupBy(w => w.EntityType!, StringComparer.Ordinal))
        {
            var type = mutation.Registry.Find(group.Key)!;
            var found = await type.LoadHeldAsync(mutation.Services, group.Select(w => w.EntityId!.Value).Distinct().ToList(), mutation.CancellationToken);
            foreach (var (_, id, index) in group.Where(w => !found.ContainsKey(w.EntityId!.Value)))
            {
                ok = false;
                var position = index.ToString(CultureInfo.InvariantCulture);
                if (type is ICrmEntityDefinition definition && definition.ReachesAll(mutation.Services, PermissionAction.Read))
                {
                    mutation.AddError(ErrorCodes.NotFound, Refusals.NoSuch(group.Key, id!.Value), Name, position);
                }
                else
                {
                    mutation.AddError(ErrorCodes.Forbidden, Refusals.MayNot("name in a communication", group.Key, id!.Value), Name, position);
                }
            }
        }

        return ok;
    }
}
