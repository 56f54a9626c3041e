using Crm.PluginSdk.Security;

namespace Crm.PluginSdk.Tests;

public sealed class PermissionActionTests
{
    [Fact]
    public void Standard_actions_sort_in_their_order_and_declared_ones_after_them_by_name()
    {
        var accept = new PermissionAction("ACCEPT");
        var zap = new PermissionAction("ZAP");
        PermissionAction[] actions = [zap, PermissionAction.Import, accept, PermissionAction.Read, PermissionAction.Delete, PermissionAction.Add];

        Assert.Equal(["READ", "ADD", "DELETE", "IMPORT", "ACCEPT", "ZAP"], actions.Order().Select(a => a.Name));
        Assert.True(PermissionAction.Update.IsStandard);
        Assert.False(accept.IsStandard);
        Assert.Equal(PermissionAction.Read, new PermissionAction("READ"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("accept")]
    [InlineData("1ACCEPT")]
    [InlineData("ACC EPT")]
    [InlineData("ŻACCEPT")]
    public void A_name_that_is_not_an_upper_case_GraphQL_name_is_refused(string name) =>
        Assert.Throws<ArgumentException>(() => new PermissionAction(name));

    [Fact]
    public void A_name_ten_times_the_longest_is_refused()
    {
        Assert.True(PermissionAction.IsValidName(new string('A', PermissionAction.MaxNameLength)));
        Assert.Throws<ArgumentException>(() => new PermissionAction(new string('A', 10 * PermissionAction.MaxNameLength)));
    }
}
