using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Automation;

/// <summary>
/// <c>Automation:Webhooks:Incoming:PublicUrl</c> (the address a webhook wait's notice gives): one that cannot
/// work fails the Automation module at start with the setting named, and the host goes on without it; a
/// good one is taken (the notice tests compose their address from it). The setting is read the same way
/// on either engine, so SQLite only.
/// </summary>
[Trait("Engine", "Sqlite")]
public sealed class PublicUrlSettingTests
{
    public static TheoryData<string> Unusable => new()
    {
        "ftp://crm.example.com/",
        "https://user:password@crm.example.com/",
        "https://crm.example.com/?tenant=1",
        "https://crm.example.com/#top",
        "/relative/path",
        // Ten times the longest address taken.
        "https://crm.example.com/" + new string('a', 5_000),
    };

    [Theory]
    [MemberData(nameof(Unusable))]
    public async Task An_address_that_cannot_work_fails_the_automation_module_naming_the_setting_and_the_host_goes_on(string address)
    {
        await using var host = await CrmHost.StartAsync(Engine.Sqlite, new Dictionary<string, string?> { ["Automation:Webhooks:Incoming:PublicUrl"] = address });

        var modules = (await host.QueryAsync("{ modules { id state reason } }")).ShouldSucceed().Data!["modules"]!.AsArray();
        var automation = Assert.Single(modules, m => m!["id"]!.GetValue<string>() == "automation")!;
        Assert.Equal("FAILED", automation["state"]!.GetValue<string>());
        Assert.Contains("PublicUrl an absolute http or https address of at most 500 characters, with no credentials, query or fragment", automation["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.All(modules.Where(m => m!["id"]!.GetValue<string>() != "automation"), m => Assert.NotEqual("FAILED", m!["state"]!.GetValue<string>()));
        (await host.QueryAsync("{ deals(first: 1) { nodes { id } } }")).ShouldSucceed();
    }
}
