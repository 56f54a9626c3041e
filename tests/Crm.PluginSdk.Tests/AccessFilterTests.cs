using Crm.PluginSdk.Records;
using Crm.PluginSdk.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.PluginSdk.Tests;

public sealed class AccessFilterTests
{
    private sealed class Owned : IOwnedRecord
    {
        public long Id { get; set; }

        public long? AssignedById { get; set; }

        public bool Opened { get; set; }

        public long PipelineId { get; set; }

        public string StageId { get; set; } = "NEW";
    }

    private static readonly System.Linq.Expressions.LambdaExpression[] ByPipelineAndStage =
        [(System.Linq.Expressions.Expression<Func<Owned, long>>)(r => r.PipelineId), (System.Linq.Expressions.Expression<Func<Owned, string>>)(r => r.StageId)];

    // User 10 in department A (users 10, 11); A's subdepartment B holds user 12; user 13 is elsewhere.
    private static AccessRights Rights(PermissionLevel level, params (string Partition, PermissionLevel Level)[] partitions)
    {
        var levels = new Dictionary<(string, string?, PermissionAction), PermissionLevel> { [("deal", null, PermissionAction.Read)] = level };
        foreach (var (partition, partitionLevel) in partitions)
        {
            levels[("deal", partition, PermissionAction.Read)] = partitionLevel;
        }

        return new AccessRights(10, levels, new HashSet<long> { 10, 11 }, new HashSet<long> { 10, 11, 12 }, canConfigure: false);
    }

    private static bool Sees(AccessRights rights, Owned record, System.Linq.Expressions.LambdaExpression[]? partitions = null)
    {
        var filter = AccessFilter.For<Owned>(rights, "deal", PermissionAction.Read, partitions ?? []);
        return filter is null || filter.Compile()(record);
    }

    [Fact]
    public void A_record_about_to_be_written_is_judged_as_the_filter_reads_for_every_level_and_each_rights_snapshot_on_its_own()
    {
        // Allows keeps its compiled check per rights snapshot and action: the same answers as the filter, and a
        // user's new rights (another snapshot) never answered from the old ones' check.
        var access = new Entities.RecordAccess<Owned>("deal", ByPipelineAndStage);
        var actor = new CurrentActor();
        var services = new ServiceCollection().AddSingleton<ICurrentActor>(actor)
            .BuildServiceProvider();
        Owned[] records =
        [
            new() { AssignedById = 10 },
            new() { AssignedById = 11 },
            new() { AssignedById = 12 },
            new() { AssignedById = 13, PipelineId = 3, StageId = "WON" },
            new() { AssignedById = 13, Opened = true },
        ];
        foreach (var level in Enum.GetValues<PermissionLevel>().Concat(Enum.GetValues<PermissionLevel>().Reverse()))
        {
            var rights = Rights(level, ("3/WON", PermissionLevel.All));
            actor.SignIn(10, rights);
            for (var round = 0; round < 3; round++)
            {
                Assert.Equal(records.Select(r => Sees(rights, r, ByPipelineAndStage)), records.Select(r => access.Allows(r, services, PermissionAction.Read)));
            }

            // Another action, under the same rights, has none of READ's levels.
            Assert.All(records, r => Assert.False(access.Allows(r, services, PermissionAction.Delete)));
        }
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
    public void The_most_specific_partition_named_by_a_role_decides_and_the_others_take_the_types_level()
    {
        var rights = Rights(PermissionLevel.Own, ("3", PermissionLevel.All), ("3/C3:WON", PermissionLevel.None), ("0/LOSE", PermissionLevel.All));
        Assert.True(Sees(rights, new Owned { AssignedById = 13, PipelineId = 3, StageId = "C3:NEW" }, ByPipelineAndStage));
        Assert.False(Sees(rights, new Owned { AssignedById = 13, PipelineId = 3, StageId = "C3:WON" }, ByPipelineAndStage));
        Assert.False(Sees(rights, new Owned { AssignedById = 10, PipelineId = 3, StageId = "C3:WON" }, ByPipelineAndStage));
        Assert.False(Sees(rights, new Owned { AssignedById = 13, PipelineId = 0, StageId = "NEW" }, ByPipelineAndStage));
        Assert.True(Sees(rights, new Owned { AssignedById = 10, PipelineId = 0, StageId = "NEW" }, ByPipelineAndStage));
        Assert.True(Sees(rights, new Owned { AssignedById = 13, PipelineId = 0, StageId = "LOSE" }, ByPipelineAndStage));
        Assert.Equal(PermissionLevel.None, rights.Level("deal", PermissionAction.Read, "3/C3:WON"));
        Assert.Equal(PermissionLevel.All, rights.Level("deal", PermissionAction.Read, "3/C3:NEW"));
        Assert.Equal(PermissionLevel.Own, rights.Level("deal", PermissionAction.Read, "5/C5:NEW"));
        Assert.False(AccessFilter.ReachesAll(rights, "deal", PermissionAction.Read, ByPipelineAndStage));
        Assert.False(AccessFilter.ReachesNone(rights, "deal", PermissionAction.Read));
    }

    [Fact]
    public void Administrators_are_not_filtered_and_nobody_else_reaches_a_type_without_a_role()
    {
        Assert.Null(AccessFilter.For<Owned>(AccessRights.Everything(1), "deal", PermissionAction.Delete, []));
        Assert.True(AccessFilter.ReachesNone(Rights(PermissionLevel.All), "deal", PermissionAction.Delete));
        Assert.True(AccessFilter.ReachesNone(AccessRights.Nothing, "lead", PermissionAction.Read));
    }
}
