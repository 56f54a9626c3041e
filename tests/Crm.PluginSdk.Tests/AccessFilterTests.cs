using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;

namespace Crm.PluginSdk.Tests;

public sealed class AccessFilterTests
{
    private sealed class Owned : IOwnedRecord
    {
        public long Id { get; set; }

        public long? AssignedById { get; set; }

        public bool Opened { get; set; }

        public long PipelineId { get; set; }
    }

    // User 10 in department A (users 10, 11); A's subdepartment B holds user 12; user 13 is elsewhere.
    private static AccessRights Rights(PermissionLevel level, string? partition = null, PermissionLevel partitionLevel = PermissionLevel.None)
    {
        var levels = new Dictionary<(string, string?, PermissionAction), PermissionLevel> { [("deal", null, PermissionAction.Read)] = level };
        if (partition is not null)
        {
            levels[("deal", partition, PermissionAction.Read)] = partitionLevel;
        }

        return new AccessRights(10, levels, new HashSet<long> { 10, 11 }, new HashSet<long> { 10, 11, 12 }, canConfigure: false);
    }

    private static bool Sees(AccessRights rights, Owned record, System.Linq.Expressions.Expression<Func<Owned, long>>? partition = null)
    {
        var filter = AccessFilter.For<Owned>(rights, "deal", PermissionAction.Read, partition);
        return filter is null || filter.Compile()(record);
    }

    [Theory]
    [InlineData(PermissionLevel.None, new[] { false, false, false, false, false })]
    [InlineData(PermissionLevel.Own, new[] { true, false, false, false, false })]
    [InlineData(PermissionLevel.Department, new[] { true, true, false, false, false })]
    [InlineData(PermissionLevel.Subdepartments, new[] { true, true, true, false, false })]
    [InlineData(PermissionLevel.Open, new[] { true, true, true, false, true })]
    [InlineData(PermissionLevel.All, new[] { true, true, true, true, true })]
    public void Each_level_reaches_what_the_ones_below_do_and_more(PermissionLevel level, bool[] expected)
    {
        Owned[] records =
        [
            new() { AssignedById = 10 },
            new() { AssignedById = 11 },
            new() { AssignedById = 12 },
            new() { AssignedById = 13 },
            new() { AssignedById = 13, Opened = true },
        ];
        Assert.Equal(expected, records.Select(r => Sees(Rights(level), r)));
    }

    [Fact]
    public void A_partition_named_by_a_role_has_its_own_level_and_the_others_the_types()
    {
        var rights = Rights(PermissionLevel.Own, partition: "3", partitionLevel: PermissionLevel.All);
        Assert.True(Sees(rights, new Owned { AssignedById = 13, PipelineId = 3 }, r => r.PipelineId));
        Assert.False(Sees(rights, new Owned { AssignedById = 13, PipelineId = 0 }, r => r.PipelineId));
        Assert.True(Sees(rights, new Owned { AssignedById = 10, PipelineId = 0 }, r => r.PipelineId));
        Assert.False(AccessFilter.ReachesAll(rights, "deal", PermissionAction.Read, (System.Linq.Expressions.Expression<Func<Owned, long>>)(r => r.PipelineId)));
        Assert.False(AccessFilter.ReachesNone(rights, "deal", PermissionAction.Read));
    }

    [Fact]
    public void Administrators_are_not_filtered_and_nobody_else_reaches_a_type_without_a_role()
    {
        Assert.Null(AccessFilter.For<Owned>(AccessRights.Everything(1), "deal", PermissionAction.Delete, null));
        Assert.True(AccessFilter.ReachesNone(Rights(PermissionLevel.All), "deal", PermissionAction.Delete));
        Assert.True(AccessFilter.ReachesNone(AccessRights.Nothing, "lead", PermissionAction.Read));
    }
}
