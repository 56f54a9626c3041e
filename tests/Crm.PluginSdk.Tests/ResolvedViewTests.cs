using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Views;

namespace Crm.PluginSdk.Tests;

/// <summary>How a saved view combines with a list's own arguments (what every list's <c>viewId:</c> and an export given a view do).</summary>
public sealed class ResolvedViewTests
{
    private static readonly Dictionary<string, object?> ViewWhere = new() { ["title"] = new Dictionary<string, object?> { ["startsWith"] = "A" } };

    private static readonly IReadOnlyDictionary<string, object?>[] ViewOrder = [new Dictionary<string, object?> { ["title"] = Querying.SortDirection.Descending }];

    private static ResolvedView View(int? pageSize = 25) => new(1, "deal", "v", ViewWhere, ViewOrder, [new ViewColumn("title", 100)], pageSize, []);

    [Fact]
    public void The_view_fills_in_what_the_list_does_not_give()
    {
        var applied = View().ApplyTo(new ListArguments(null, null, null, null, null, null));

        Assert.Same(ViewWhere, applied.Where);
        Assert.Same(ViewOrder, applied.Order);
        Assert.Equal(25, applied.First);
    }

    [Fact]
    public void What_the_list_gives_wins_except_the_filter_which_is_anded()
    {
        var where = new Dictionary<string, object?> { ["amount"] = new Dictionary<string, object?> { ["gt"] = 5m } };
        IReadOnlyDictionary<string, object?>[] order = [new Dictionary<string, object?> { ["amount"] = Querying.SortDirection.Ascending }];

        var applied = View().ApplyTo(new ListArguments(where, order, null, null, 3, "cursor"));

        var and = Assert.IsAssignableFrom<IEnumerable<object?>>(applied.Where!["and"]);
        Assert.Equal([ViewWhere, where], and);
        Assert.Same(order, applied.Order);
        Assert.Null(applied.First);
        Assert.Equal(3, applied.Last);
        Assert.Equal(10, View().ApplyTo(new ListArguments(null, null, 10, null, null, null)).First);
        Assert.Null(View(pageSize: null).ApplyTo(new ListArguments(null, null, null, null, null, null)).First);
    }

    [Fact]
    public void A_view_without_a_filter_leaves_the_lists_where_as_it_is()
    {
        var where = new Dictionary<string, object?> { ["amount"] = new Dictionary<string, object?> { ["gt"] = 5m } };
        var view = View() with { Where = null };

        Assert.Same(where, view.CombinedWhere(where));
        Assert.Null(view.CombinedWhere(null));
    }
}
