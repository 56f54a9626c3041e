using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Records;

namespace Crm.PluginSdk.Tests;

/// <summary>
/// A list read in keyset pages from a saved position: every record once, in order, however the
/// reading is cut between scopes; the total counted with the first page only, when asked; and a
/// record added behind the position is not read again, one added ahead of it is.
/// </summary>
public sealed class ListPagesTests : StepsDatabase
{
    private static readonly ListArguments ById = new(null, [new Dictionary<string, object?> { ["id"] = Querying.SortDirection.Ascending }], null, null, null, null);

    private Task<ListPage> PageAsync(ListPosition from, int size, bool countTotal = true) =>
        InScopeAsync(s => Definition(s).ReadPageAsync(s, ById, size, from, countTotal, CancellationToken.None));

    private async Task<long> NewStepAsync(string title) => ((ICrmRecord)(await CreateAsync(title)).Record!).Id;

    [Fact]
    public async Task Pages_read_from_saved_positions_hold_every_record_once_and_count_it_with_the_first()
    {
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await NewStepAsync($"Step {i}"));
        }

        var read = new List<long>();
        var positions = new List<ListPosition>();
        var position = ListPosition.Start;
        ListPage page;
        do
        {
            // Each page in a scope of its own, from the position alone: as a resumed job reads it.
            page = await PageAsync(position, 2);
            read.AddRange(page.Ids);
            position = page.Next;
            positions.Add(position);
        }
        while (page.HasMore);

        Assert.Equal(ids, read);
        Assert.Equal(3, positions.Count);
        Assert.All(positions, p => Assert.Equal(5, p.Total));
        Assert.All(positions, p => Assert.NotNull(p.After));

        // A record added after the last page: the last position reads it, and only it.
        var added = await NewStepAsync("Later");
        var after = await PageAsync(positions[^1], 2);
        Assert.Equal([added], after.Ids);
        Assert.False(after.HasMore);
        Assert.Equal(5, after.Next.Total);

        // From the middle again: the rest, the new record included.
        Assert.Equal([ids[4], added], (await PageAsync(positions[1], 10)).Ids);
    }

    [Fact]
    public async Task The_total_is_left_out_when_not_asked_and_an_empty_page_keeps_its_position()
    {
        var first = await PageAsync(ListPosition.Start, 3, countTotal: false);
        Assert.Empty(first.Records);
        Assert.False(first.HasMore);
        Assert.Equal(ListPosition.Start, first.Next);

        var id = await NewStepAsync("Only");
        var page = await PageAsync(first.Next, 3, countTotal: false);
        Assert.Equal([id], page.Ids);
        Assert.Null(page.Next.Total);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => PageAsync(ListPosition.Start, 0));
    }
}
