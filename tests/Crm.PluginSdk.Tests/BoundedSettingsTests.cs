using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Configuration;

namespace Crm.PluginSdk.Tests;

public sealed class BoundedSettingsTests
{
    private static IConfiguration With(string? value) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["Module:MaxThings"] = value }).Build();

    [Theory]
    [InlineData(null, 100)]
    [InlineData("", 100)]
    [InlineData("10", 10)]
    [InlineData("200", 200)]
    public void An_absent_setting_is_the_default_and_a_number_within_the_bounds_is_itself(string? given, int expected) =>
        Assert.Equal(expected, BoundedSettings.WholeNumber(With(given), "Module:MaxThings", 100, 10, 200));

    [Theory]
    [InlineData("9")]
    [InlineData("2000")]
    [InlineData("-5")]
    [InlineData("1e3")]
    [InlineData("ten")]
    [InlineData("99999999999")]
    public void Anything_else_stops_the_start_naming_the_setting_and_its_bounds(string given)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => BoundedSettings.WholeNumber(With(given), "Module:MaxThings", 100, 10, 200));
        Assert.Equal($"Module:MaxThings is a whole number from 10 to 200, not '{given}'.", refused.Message);
    }
}
