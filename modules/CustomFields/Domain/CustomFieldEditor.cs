using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Crm.Modules.CustomFields.Data;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Modules;
using Crm.PluginSdk.Security;
using Microsoft.EntityFrameworkCore;

namespace Crm.Modules.CustomFields.Domain;

public sealed record CustomFieldPayload(CustomFieldSpec? Field, IReadOnlyList<UserError> Errors);

public sealed record DeleteCustomFieldPayload(long? DeletedId, int ClearedRecords, IReadOnlyList<UserError> Errors);

public sealed record ReorderCustomFieldsPayload(IReadOnlyList<CustomFieldSpec> Fields, IReadOnlyList<UserError> Errors);

/// <summary>
/// Creates, changes, reorders and deletes definitions, by the rules of their types (the input is
/// read by <see cref="CustomFieldInput"/>). Each change
/// and the catalog version move together in one transaction; then the field's index is made
/// (or dropped) and the catalog reloaded, which swaps the GraphQL schema before the mutation
/// answers.
/// </summary>
public sealed class CustomFieldEditor(
    CustomFieldsDbContext db,
    CrmDatabaseSession session,
    CustomFieldCatalog catalog,
    IEntityRegistry registry,
    ICurrentActor actor,
    IServiceProvider services) : IScopedService
{
    public const string TypeChangeRefused = "TYPE_CHANGE_REFUSED";
    public const string ConfirmationRequired = "CONFIRMATION_REQUIRED";
    public const int MaxItems = 500;
    public const int MaxLabelLength = 255;

    public async Task<CustomFieldPayload> CreateAsync(IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Managing custom fields") is { } forbidden)
        {
            return new CustomFieldPayload(null, [forbidden]);
        }

        var errors = new List<UserError>();
        var entityType = (string)input["entityType"]!;
        var code = ((string)input["code"]!).Trim();
        var type = (CustomFieldType)input["type"]!;
        if (registry.Find(entityType) is not ICrmEntityDefinition { SupportsCustomFields: true })
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, $"Records of type {entityType} take no custom fields.", "input", "entityType"));
        }

        if (!CustomFieldSpec.IsValidCode(code))
        {
            errors.Add(UserError.At(ErrorCodes.InvalidFormat,
                $"'{code}' is not a valid code: use {CustomFieldSpec.CodePrefix} followed by upper-case letters, digits and underscores, at most {CustomFieldSpec.MaxCodeLength} characters in all.",
                "input", "code"));
        }
        else
        {
            var graphName = CustomFieldSpec.GraphName(code);
            var existing = await db.Definitions.AsNoTracking().Where(d => d.EntityType == entityType).Select(d => d.Code).ToListAsync(cancellationToken);
            if (existing.Any(c => c == code || CustomFieldSpec.GraphName(c) == graphName))
            {
                errors.Add(UserError.At(ErrorCodes.Conflict, $"The {entityType} type already has a field {code} (GraphQL name {graphName}).", "input", "code"));
            }
            else if (registry.Find(entityType) is ICrmEntityDefinition records && records.Fields.ContainsKey(graphName))
            {
                errors.Add(UserError.At(ErrorCodes.Conflict, $"'{graphName}' is a built-in field of {entityType}.", "input", "code"));
            }
        }

        var multiple = input.TryGetValue("multiple", out var m) && m is true;
        if (multiple && !CustomFieldSpec.AllowsMultiple(type))
        {
            errors.Add(UserError.At(ErrorCodes.InvalidValue, $"A {type.ToString().ToUpperInvariant()} field cannot hold several values.", "input", "multiple"));
        }

        var definition = new CustomFieldDefinition
        {
            EntityType = entityType,
            Code = code,
            Type = type,
            Multiple = multiple,
            Filterable = !input.TryGetValue("filterable", out var f) || f is not false,
            ShowInList = !input.TryGetValue("showInList", out var s) || s is not false,
            Mandatory = input.TryGetValue("mandatory", out var mandatory) && mandatory is true,
            Sort = input.TryGetValue("sort", out var sort) && sort is int position ? position : await NextSortAsync(entityType, cancellationToken),
        };
        CustomFieldInput.ApplyDescriptive(definition, input, isCreate: true, errors);
        CustomFieldInput.ApplyTyped(definition, input, errors);
        if (errors.Count > 0)
        {
            return new CustomFieldPayload(null, errors);
        }

        try
        {
            await session.InTransactionAsync(async () =>
            {
                db.Definitions.Add(definition);
                await db.BumpVersionAsync(cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
                return true;
            }, cancellationToken: cancellationToken);
        }
        catch (DbUpdateException exception) when (UniqueViolations.Is(exception))
        {
            // Another admin created the same code between the check above and this write.
            db.ChangeTracker.Clear();
            return new CustomFieldPayload(null, [UserError.At(ErrorCodes.Conflict, $"The {entityType} type already has a field {code}.", "input", "code")]);
        }

        await PublishAsync(entityType, cancellationToken);
        return new CustomFieldPayload(definition.ToSpec(), []);
    }

    public async Task<CustomFieldPayload> UpdateAsync(long id, IReadOnlyDictionary<string, object?> input, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Managing custom fields") is { } forbidden)
        {
            return new CustomFieldPayload(null, [forbidden]);
        }

        // Read, changed and written under the row's lock: two admins editing one field run one
        // after the other, so neither loses the other's edit and a new item never reuses an id.
        var result = await session.InTransactionAsync(async () =>
        {
            await db.LockAsync<CustomFieldDefinition>([id], RowLock.NoKeyUpdate, cancellationToken);
            var definition = await db.Definitions.FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
            if (definition is null)
            {
                return new CustomFieldPayload(null, [NotFound(id)]);
            }

            var errors = Apply(definition, input);
            if (errors.Count > 0)
            {
                return new CustomFieldPayload(null, errors);
            }

            await db.BumpVersionAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return new CustomFieldPayload(definition.ToSpec(), []);
        }, r => r.Errors.Count == 0, cancellationToken);
        db.ChangeTracker.Clear();
        if (result.Field is { } changed)
        {
            await PublishAsync(changed.EntityType, cancellationToken);
        }

        return result;
    }

    private static List<UserError> Apply(CustomFieldDefinition definition, IReadOnlyDictionary<string, object?> input)
    {
        var errors = new List<UserError>();
        if (input.TryGetValue("type", out var typeValue) && typeValue is CustomFieldType type && type != definition.Type)
        {
            if (CustomFieldSpec.IsSafeWidening(definition.Type, type))
            {
                definition.Type = type;
            }
            else
            {
                errors.Add(UserError.At(TypeChangeRefused,
                    $"{definition.Code} cannot change from {definition.Type.ToString().ToUpperInvariant()} to {type.ToString().ToUpperInvariant()}: stored values would no longer fit. Only INTEGER to NUMBER and STRING to TEXT are allowed.",
                    "input", "type"));
            }
        }

        if (input.TryGetValue("mandatory", out var mandatory) && mandatory is bool isMandatory)
        {
            definition.Mandatory = isMandatory;
        }

        if (input.TryGetValue("filterable", out var filterable) && filterable is bool isFilterable)
        {
            definition.Filterable = isFilterable;
        }

        if (input.TryGetValue("showInList", out var showInList) && showInList is bool shows)
        {
            definition.ShowInList = shows;
        }

        if (input.TryGetValue("sort", out var sort) && sort is int position)
        {
            definition.Sort = position;
        }

        CustomFieldInput.ApplyDescriptive(definition, input, isCreate: false, errors);
        CustomFieldInput.ApplyTyped(definition, input, errors);
        return errors;
    }

    public async Task<DeleteCustomFieldPayload> DeleteAsync(long id, bool confirmDataLoss, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Managing custom fields") is { } forbidden)
        {
            return new DeleteCustomFieldPayload(null, 0, [forbidden]);
        }

        var found = await db.Definitions.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (found is null)
        {
            return new DeleteCustomFieldPayload(null, 0, [NotFound(id)]);
        }

        var records = registry.Find(found.EntityType) as ICrmEntityDefinition;
        var holding = records is null ? 0 : await records.CountCustomValuesAsync(services, found.Code, cancellationToken);
        if (holding > 0 && !confirmDataLoss)
        {
            return new DeleteCustomFieldPayload(null, holding, [UserError.At(ConfirmationRequired,
                $"{holding.ToString(CultureInfo.InvariantCulture)} {found.EntityType} records hold a value of {found.Code}; deleting the field deletes those values. Repeat with confirmDataLoss: true to go ahead.",
                "confirmDataLoss")]);
        }

        // The values and the definition go together: a field re-created with the same code starts
        // empty. The row is locked and read again, so a concurrent delete answers NOT_FOUND once.
        var result = await session.InTransactionAsync(async () =>
        {
            await db.LockAsync<CustomFieldDefinition>([id], RowLock.Update, cancellationToken);
            var definition = await db.Definitions.FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
            if (definition is null)
            {
                return new DeleteCustomFieldPayload(null, 0, [NotFound(id)]);
            }

            var count = records is null ? 0 : await records.ClearCustomValuesAsync(services, definition.Code, cancellationToken);
            db.Definitions.Remove(definition);
            await db.BumpVersionAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return new DeleteCustomFieldPayload(id, count, []);
        }, r => r.Errors.Count == 0, cancellationToken);
        db.ChangeTracker.Clear();
        if (result.Errors.Count == 0)
        {
            await PublishAsync(found.EntityType, cancellationToken);
        }

        return result;
    }

    public async Task<ReorderCustomFieldsPayload> ReorderAsync(string entityType, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        if (actor.RefuseUnlessCanConfigure("Managing custom fields") is { } forbidden)
        {
            return new ReorderCustomFieldsPayload([], [forbidden]);
        }

        // Checked and written under the fields' locks, so the ids checked are the ids written.
        var result = await session.InTransactionAsync(async () =>
        {
            var current = await db.Definitions.AsNoTracking().Where(d => d.EntityType == entityType).Select(d => d.Id).ToListAsync(cancellationToken);
            await db.LockAsync<CustomFieldDefinition>(current, RowLock.NoKeyUpdate, cancellationToken);
            var definitions = await db.Definitions.Where(d => d.EntityType == entityType).ToListAsync(cancellationToken);
            var known = definitions.Select(d => d.Id).ToHashSet();
            if (ids.Count != known.Count || ids.Distinct().Count() != ids.Count || ids.Any(i => !known.Contains(i)))
            {
                return new ReorderCustomFieldsPayload([], [UserError.At(ErrorCodes.InvalidValue,
                    $"Give every custom field id of {entityType} once ({string.Join(", ", known.Order())}).", "ids")]);
            }

            for (var i = 0; i < ids.Count; i++)
            {
                definitions.Single(d => d.Id == ids[i]).Sort = (i + 1) * 10;
            }

            await db.BumpVersionAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return new ReorderCustomFieldsPayload(definitions.OrderBy(d => d.Sort).Select(d => d.ToSpec()).ToList(), []);
        }, r => r.Errors.Count == 0, cancellationToken);
        db.ChangeTracker.Clear();
        if (result.Errors.Count == 0)
        {
            await PublishAsync(entityType, cancellationToken);
        }

        return result;
    }

    private async Task<int> NextSortAsync(string entityType, CancellationToken cancellationToken) =>
        (await db.Definitions.Where(d => d.EntityType == entityType).MaxAsync(d => (int?)d.Sort, cancellationToken) ?? 0) + 10;

    /// <summary>
    /// After the commit: the type's indexes follow the definitions, then the catalog reloads,
    /// which swaps the schema; the next request sees the change.
    /// </summary>
    private async Task PublishAsync(string entityType, CancellationToken cancellationToken)
    {
        await CustomFieldIndexes.SyncAsync(db, registry, services, entityType, cancellationToken);
        await catalog.RefreshAsync(cancellationToken);
    }

    private static UserError NotFound(long id) => Refusals.NotFound("custom field", id, "id");
}
