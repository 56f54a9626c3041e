using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Views;
using GraphQL;
using GraphQL.Types;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.GraphQL;

/// <summary>
/// The <c>viewId</c> argument of every list and summary: the saved view resolved for the actor
/// (<see cref="ISavedViews"/>), its warnings added to the response's <c>extensions.warnings</c>.
/// </summary>
internal static class ViewArgument
{
    public const string Name = "viewId";

    /// <summary>The key of the response's extensions that holds the warnings of the views used.</summary>
    public const string WarningsKey = "warnings";

    public static QueryArgument Create(string description) => new QueryArgument<IdGraphType> { Name = Name, Description = description };

    /// <summary>The view given as <c>viewId</c>, or null when none is given; its warnings go to the response.</summary>
    public static Task<ResolvedView?> ResolveAsync(IResolveFieldContext context, ICrmEntityDefinition definition) => ResolveAsync(context, definition.Name);

    /// <summary>The view given as <c>viewId</c> of the record type named <paramref name="entityType"/> (<c>deal</c>), or null when none is given; its warnings go to the response.</summary>
    public static async Task<ResolvedView?> ResolveAsync(IResolveFieldContext context, string entityType)
    {
        if (context.GetArgument<object?>(Name) is not { } value)
        {
            return null;
        }

        var id = RecordIds.Parse(value, Name, "view");
        var views = context.RequestServices!.GetService<ISavedViews>()
            ?? throw ErrorCodes.Error(ErrorCodes.ViewNotFound, "Saved views are not available here: no module keeps them.");
        var view = await views.ResolveAsync(entityType, id, context.CancellationToken);
        if (view.Warnings.Count > 0)
        {
            AddWarnings(context, view);
        }

        return view;
    }

    private static void AddWarnings(IResolveFieldContext context, ResolvedView view)
    {
        var path = context.ResponsePath.ToString();
        // Root fields of a query resolve in parallel: the response's extensions are shared.
        lock (context.OutputExtensions)
        {
            if (!context.OutputExtensions.TryGetValue(WarningsKey, out var existing) || existing is not List<object?> warnings)
            {
                warnings = [];
                context.OutputExtensions[WarningsKey] = warnings;
            }

            foreach (var message in view.Warnings)
            {
                warnings.Add(new Dictionary<string, object?>
                {
                    ["code"] = "VIEW_CONDITION_DROPPED",
                    ["message"] = message,
                    ["path"] = path,
                    ["viewId"] = view.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                });
            }
        }
    }
}
