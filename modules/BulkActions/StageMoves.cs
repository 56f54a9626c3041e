using Crm.PluginSdk.Automation;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.BulkActions;

/// <summary>
/// OPEN and CLOSE. A type whose module says how its records are closed (the SDK's
/// <see cref="IRecordClosing"/>: an activity is completed) is closed and reopened by it. Otherwise, for
/// every record type whose stage or status (<see cref="ParameterValidator.StageField"/>: <c>stageId</c>,
/// else <c>statusId</c>, from a selection list) takes items that say what they mean
/// (<see cref="ListItemSemantics"/>: a lead's statuses, a deal's stages of its pipeline): opening moves a
/// record to the first in-process item of its own list, closing to the first item meaning the outcome
/// asked (a deal's won or lost stage of its pipeline). A record already on an item of that meaning is
/// left as it is. The move is the type's own update, so rules, rights, history and timeline are a stage change's.
/// </summary>
internal static class StageMoves
{
    /// <summary>How records of the type are closed by their module, if it says.</summary>
    public static IRecordClosing? ClosingOf(IServiceProvider services, ICrmEntityDefinition definition) =>
        services.GetServices<IRecordClosing>().FirstOrDefault(c => string.Equals(c.EntityType, definition.Name, StringComparison.Ordinal));

    /// <summary>Why records of the type cannot be opened or closed; null when they can.</summary>
    public static string? Refusal(IServiceProvider services, ICrmEntityDefinition definition) =>
        ClosingOf(services, definition) is null && ParameterValidator.StageField(definition) is null
            ? $"{definition.PluralName} have no stage or status from a selection list, nor a way of their own, to open or close them by."
            : null;

    /// <summary>Opens the record (<paramref name="outcome"/> null) or closes it with that outcome: by its module's way, else by moving its stage.</summary>
    public static Task<RecordClosingResult> OpenOrCloseAsync(IServiceProvider services, ICrmEntityDefinition definition, long id, ListItemSemantics? outcome, CancellationToken cancellationToken) =>
        ClosingOf(services, definition) is { } closing
            ? outcome is null ? closing.ReopenAsync(services, id, cancellationToken) : closing.CloseAsync(services, id, cancellationToken)
            : MoveAsync(services, definition, id, outcome ?? ListItemSemantics.Process, cancellationToken);

    /// <summary>
    /// Moves the record to an item of <paramref name="meaning"/> of its list, or leaves it where it is
    /// when it is on one: the type's update, given the record as it reads it (locked), so the record
    /// is read once and nothing moves it between the look and the move.
    /// </summary>
    private static async Task<RecordClosingResult> MoveAsync(IServiceProvider services, ICrmEntityDefinition definition, long id, ListItemSemantics meaning, CancellationToken cancellationToken)
    {
        var field = ParameterValidator.StageField(definition)
            ?? throw new InvalidOperationException($"{definition.PluralName} have no stage or status.");
        var lists = services.GetRequiredService<ISelectionLists>();
        UserError? noSuchItem = null;
        var unchanged = false;
        var payload = await definition.UpdateAsync(services, id, async (record, ct) =>
        {
            var listId = field.ListOf!(record);
            var items = await lists.GetItemsAsync(listId, ct);
            var current = field.Get(record) as string;
            if (items.FirstOrDefault(i => i.Id == current) is { } on && MeaningOf(on) == meaning)
            {
                unchanged = true;
                return null;
            }

            if (items.Where(i => MeaningOf(i) == meaning).MinBy(i => i.Sort) is not { } target)
            {
                noSuchItem = UserError.At(ErrorCodes.InvalidValue, $"The list '{listId}' of its {field.Name} has no item meaning {meaning.ToString().ToUpperInvariant()}.");
                return null;
            }

            return new Dictionary<string, object?> { [field.Name] = target.Id };
        }, cancellationToken);

        return payload.Errors.Count > 0 ? new RecordClosingResult(RecordClosingOutcome.Refused, payload.Errors)
            : noSuchItem is not null ? RecordClosingResult.Refused(noSuchItem)
            : unchanged ? RecordClosingResult.Unchanged
            : RecordClosingResult.Changed;
    }

    // An item of a list without meanings is work in progress.
    private static ListItemSemantics MeaningOf(SelectionListItem item) => item.Semantics ?? ListItemSemantics.Process;
}
