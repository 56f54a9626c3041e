using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;

namespace Crm.PluginSdk.Tests;

public sealed class InputBinderTests
{
    [Theory]
    [InlineData("ann@example.com")]
    [InlineData("ann.lee+crm@mail.example.co.uk")]
    [InlineData("o'hara@example.ie")]
    [InlineData("x@y.z")]
    public void Well_formed_email_addresses_are_accepted(string value) =>
        Assert.True(InputBinder.IsWellFormed(ContactPointKind.Email, value));

    [Theory]
    [InlineData("")]
    [InlineData("ann")]
    [InlineData("ann@example")]
    [InlineData("@example.com")]
    [InlineData("ann@")]
    [InlineData("ann@@example.com")]
    [InlineData("ann@exa@mple.com")]
    [InlineData("ann lee@example.com")]
    [InlineData("ann@example.com.")]
    [InlineData("ann@example .com")]
    public void Malformed_email_addresses_are_refused(string value) =>
        Assert.False(InputBinder.IsWellFormed(ContactPointKind.Email, value));

    [Theory]
    [InlineData("+48 600-100-200")]
    [InlineData("(555) 123-4567")]
    [InlineData("555.123.4567")]
    [InlineData("+1 (555) 123-4567 ext. 12")]
    [InlineData("555-1234 x 9")]
    [InlineData("555-1234 #9")]
    [InlineData("112")]
    [InlineData("030/123456")]
    public void Well_formed_phone_numbers_are_accepted(string value) =>
        Assert.True(InputBinder.IsWellFormed(ContactPointKind.Phone, value));

    [Theory]
    [InlineData("")]
    [InlineData("12")]
    [InlineData("+1")]
    [InlineData("()- ./")]
    [InlineData("call me")]
    [InlineData("555-CALL-NOW")]
    [InlineData("555 1234 ext")]
    [InlineData("++48 600 100 200")]
    [InlineData("ann@example.com")]
    public void Malformed_phone_numbers_are_refused(string value) =>
        Assert.False(InputBinder.IsWellFormed(ContactPointKind.Phone, value));

    [Theory]
    [InlineData("example.com")]
    [InlineData("www.example.com/about?x=1")]
    [InlineData("http://example.com")]
    [InlineData("https://sub.example.co.uk/path#top")]
    [InlineData("HTTPS://EXAMPLE.COM")]
    public void Well_formed_web_addresses_are_accepted(string value) =>
        Assert.True(InputBinder.IsWellFormed(ContactPointKind.Web, value));

    [Theory]
    [InlineData("")]
    [InlineData("localhost")]
    [InlineData("http://")]
    [InlineData("ftp://example.com")]
    [InlineData("javascript:alert(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://exa mple.com")]
    [InlineData("https://intranet")]
    [InlineData("mailto:ann@example.com")]
    [InlineData("javascript:x@y.com")]
    public void Malformed_web_addresses_are_refused(string value) =>
        Assert.False(InputBinder.IsWellFormed(ContactPointKind.Web, value));

    [Fact]
    public void U0000_is_refused_at_its_path_for_writers_that_bypass_GraphQL()
    {
        var errors = new List<UserError>();
        var input = new Dictionary<string, object?>
        {
            ["title"] = "a\0b",
            ["name"] = "fine",
            ["tags"] = new List<object?> { "ok", new Dictionary<string, object?> { ["value"] = "x\0" } },
        };

        InputBinder.Apply(new SampleRecord(), SampleEntity.Instance.Fields.Values, input, isCreate: true, errors);

        Assert.Equal(
            [("VALIDATION", "input/title"), ("VALIDATION", "input/tags/1/value")],
            errors.Select(e => (e.Code, string.Join('/', e.Path))));
    }
}
