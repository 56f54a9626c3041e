using System.Globalization;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using Crm.PluginSdk.Security;
using Crm.PluginSdk.Views;
using GraphQL;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Views.Domain;

/// <summary>
/// A create or update input applied to a view: each part bounded (<see cref="ViewLimits"/>) and checked
/// before anything is saved: fields exist, the filter and order read as the list would read them, the
/// department and users exist. Fields left out keep their values.
/// </summary>
internal sealed class ViewInput(ICrmEntityDefinition definition, IServiceProvider services, ViewLimits limits)
{
    public const int MaxOrderKeys = 10;

    private readonly ViewFields _fields = ViewFields.Of(definition, services);

    public async Task<List<UserError>> ApplyAsync(SavedView view, IReadOnlyDictionary<string, object?> input, bool isCreate, IReadOnlyList<long>? users, CancellationToken cancellationToken)
    {
        var errors = new List<UserError>();
        if (InputBinder.Text(input, "name", limits.MaxNameLength, isCreate, errors) is { } name)
        {
            if (name.Trim() is { Length: > 0 } trimmed)
            {
                view.Name = trimmed;
            }
            else
            {
                errors.Add(UserError.At(ErrorCodes.Required, "A view needs a name.", "input", "name"));
            }
        }

        if (input.TryGetValue("columns", out var columns))
        {
            view.Columns = Columns(columns as IEnumerable<object?> ?? [], errors);
        }

        if (input.TryGetValue("order", out var order))
        {
            view.Order = Order(order as IEnumerable<object?> ?? [], errors);
        }

        if (input.TryGetValue("filter", out var filter))
        {
            view.Filter = filter switch
            {
                null => null,
                JsonObject where => where.ToJsonString(),
                _ => Refused(errors, UserError.At(ErrorCodes.Validation, "'filter' is an object in the list's 'where' grammar.", "input", "filter")),
            };
        }

        if (input.TryGetValue("pageSize", out var pageSize))
        {
            var max = services.GetRequiredService<QueryLimits>().MaxPageSize;
            view.PageSize = pageSize switch
            {
                null => null,
                int size when size >= 1 && size <= max => size,
                _ => RefusedSize(errors, UserError.At(ErrorCodes.LimitExceeded, $"'pageSize' is 1 to {max} (Limits:MaxPageSize).", "input", "pageSize")),
            };
        }

        if (view.Kind == ViewKind.Filter && (view.Columns is not null || view.Order is not null || view.PageSize is not null))
        {
            errors.Add(UserError.At(ErrorCodes.Validation, "A saved filter holds a name and a filter only: no columns, order or page size.", "input"));
        }

        if (errors.Count == 0)
        {
            CheckQuery(view, input.ContainsKey("filter"), input.ContainsKey("order"), errors);
        }

        await ApplySharingAsync(view, input, users, errors, cancellationToken);
        return errors;
    }

    /// <summary>The users a view is to be shared with, from the input's <c>userIds</c> (null when not given); a list over the limit is refused before any is read.</summary>
    public List<long>? SharedUsers(IReadOnlyDictionary<string, object?> input, List<UserError> errors)
    {
        if (!input.TryGetValue("userIds", out var value))
        {
            return null;
        }

        var given = (value as IEnumerable<object?> ?? []).ToList();
        if (given.Count > limits.MaxSharedUsers)
        {
            errors.Add(UserError.At(ErrorCodes.LimitExceeded, $"A view is shared with at most {limits.MaxSharedUsers} users (Views:MaxSharedUsers); {given.Count} given.", "input", "userIds"));
            return null;
        }

        var ids = new List<long>();
        foreach (var item in given)
        {

            if (!RecordIds.TryParse(item, out var id))
            {
                errors.Add(RecordIds.Invalid(item, "user", "input", "userIds", ids.Count.ToString(CultureInfo.InvariantCulture)));
                return null;
            }

            ids.Add(id);
        }

        return ids.Distinct().ToList();
    }

    /// <summary>
    /// The filter and order as the list will read them. What the input gives is checked whole: a field
    /// that does not exist is refused. What it leaves as saved is checked as it is used now, without
    /// what names a field deleted since, so that such a view can still be renamed or shared.
    /// </summary>
    private void CheckQuery(SavedView view, bool filterGiven, bool orderGiven, List<UserError> errors)
    {
        var now = _fields.Resolve(view);
        var where = filterGiven ? (view.Filter is null ? null : FilterJson.ToWhere(JsonNode.Parse(view.Filter) as JsonObject)) : now.Where;
        var order = orderGiven
            ? ViewFields.ReadOrder(view.Order).Select(o => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?> { [o.Field] = o.Direction }).ToList()
            : now.Order;
        try
        {
            definition.CheckListArguments(services, where, order);
        }
        catch (ExecutionError error)
        {
            errors.Add(UserError.At(error.Code ?? ErrorCodes.Validation, error.Message, "input", error.Message.Contains("'order.", StringComparison.Ordinal) ? "order" : "filter"));
        }
    }

    private string? Columns(IEnumerable<object?> given, List<UserError> errors)
    {
        var items = given.ToList();
        if (items.Count > limits.MaxColumns)
        {
            errors.Add(UserError.At(ErrorCodes.LimitExceeded, $"A view has at most {limits.MaxColumns} columns (Views:MaxColumns); {items.Count} given.", "input", "columns"));
            return null;
        }

        var columns = new List<ViewColumn>();
        foreach (var item in items)
        {
            var path = columns.Count.ToString(CultureInfo.InvariantCulture);

            var column = (IDictionary<string, object?>)item!;
            var name = (string)column["field"]!;
            var width = column.TryGetValue("width", out var w) ? (int?)w : null;
            if (_fields.Find(name) is not { } field)
            {
                errors.Add(UserError.At(ErrorCodes.Validation, $"'{name}' is not a field of {definition.PluralName}.", "input", "columns", path, "field"));
            }
            else if (width is < ViewLimits.MinColumnWidth or > ViewLimits.MaxColumnWidth)
            {
                errors.Add(UserError.At(ErrorCodes.InvalidValue, $"A column is {ViewLimits.MinColumnWidth} to {ViewLimits.MaxColumnWidth} pixels wide.", "input", "columns", path, "width"));
            }
            else if (columns.Any(c => c.Field == field.Name))
            {
                errors.Add(UserError.At(ErrorCodes.Validation, $"The column '{field.Name}' is given twice.", "input", "columns", path, "field"));
            }
            else
            {
                columns.Add(new ViewColumn(field.Name, width));
                continue;
            }

            columns.Add(new ViewColumn(name, width));
        }

        return ViewFields.WriteColumns(columns);
    }

    private string? Order(IEnumerable<object?> given, List<UserError> errors)
    {
        var items = given.ToList();
        if (items.Count > MaxOrderKeys)
        {
            errors.Add(UserError.At(ErrorCodes.LimitExceeded, $"A view sorts by at most {MaxOrderKeys} fields; {items.Count} given.", "input", "order"));
            return null;
        }

        var keys = new List<(string, SortDirection)>();
        foreach (var item in items)
        {

            var key = (IDictionary<string, object?>)item!;
            keys.Add(((string)key["field"]!, key.TryGetValue("direction", out var d) && d is SortDirection direction ? direction : SortDirection.Ascending));
        }

        return ViewFields.WriteOrder(keys);
    }

    /// <summary>A view shared with a department that does not exist (or no longer does).</summary>
    internal static UserError DepartmentGone() =>
        UserError.At(ErrorCodes.NotFound, "A view shared with a department names one that exists.", "input", "departmentId");

    private async Task ApplySharingAsync(SavedView view, IReadOnlyDictionary<string, object?> input, IReadOnlyList<long>? users, List<UserError> errors, CancellationToken cancellationToken)
    {
        if (input.TryGetValue("sharing", out var sharing) && sharing is ViewSharing given)
        {
            view.Sharing = given;
        }

        if (input.TryGetValue("departmentId", out var department))
        {
            view.DepartmentId = department is null ? null : RecordIds.TryParse(department, out var id) ? id : -1;
        }

        if (input.TryGetValue("withSubdepartments", out var below) && below is bool withBelow)
        {
            view.WithSubdepartments = withBelow;
        }

        var organization = services.GetService<IOrganization>();
        if (view.Sharing == ViewSharing.Department)
        {
            if (view.DepartmentId is not { } id || organization is null || !await organization.DepartmentExistsAsync(id, cancellationToken))
            {
                errors.Add(DepartmentGone());
            }
        }
        else
        {
            view.DepartmentId = null;
            view.WithSubdepartments = false;
        }

        if (view.Sharing == ViewSharing.Users && users is { Count: > 0 } && organization is not null)
        {
            var found = await organization.UsersAsync(users, cancellationToken);
            if (users.FirstOrDefault(u => !found.ContainsKey(u)) is var missing and not 0)
            {
                errors.Add(Refusals.NotFound("user", missing, "input", "userIds"));
            }
        }
    }

    private static string? Refused(List<UserError> errors, UserError error)
    {
        errors.Add(error);
        return null;
    }

    private static int? RefusedSize(List<UserError> errors, UserError error)
    {
        errors.Add(error);
        return null;
    }
}
