using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using GraphQL;

namespace Crm.PluginSdk.Tests;

/// <summary>The one reading of an id, and the one wording of a refused id, a missing record and a hidden one.</summary>
public sealed class RecordIdsTests
{
    [Theory]
    [InlineData("1", 1L)]
    [InlineData("42", 42L)]
    [InlineData(7L, 7L)]
    [InlineData(7, 7L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void Digits_and_numbers_are_ids(object value, long expected)
    {
        Assert.True(RecordIds.TryParse(value, out var id));
        Assert.Equal(expected, id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1e3")]
    [InlineData("1.0")]
    [InlineData("0x10")]
    [InlineData("9223372036854775808")]
    [InlineData("١٢")] // Arabic-Indic digits: not ASCII
    public void Anything_else_is_not_an_id(object? value) =>
        Assert.False(RecordIds.TryParse(value, out _));

    [Fact]
    public void Zero_is_an_id_only_where_the_caller_says_so() =>
        Assert.True(RecordIds.TryParse("0", out _, minimum: 0));

    [Fact]
    public void Parse_fails_the_field_with_INVALID_ID_naming_the_argument_and_the_type()
    {
        var error = Assert.Throws<ExecutionError>(() => RecordIds.Parse("abc", "id", "deal"));

        Assert.Equal(ErrorCodes.InvalidId, error.Code);
        Assert.Equal("'id': 'abc' is not a valid deal id.", error.Message);
        Assert.Equal("'where.companyId.eq': 'x' is not a valid id.", RecordIds.InvalidError("x", "where.companyId.eq").Message);
    }

    [Fact]
    public void A_refused_input_id_is_a_UserError_at_its_path()
    {
        var error = RecordIds.Invalid("abc", "user", "input", "userId");

        Assert.Equal(new[] { ErrorCodes.InvalidId, "'abc' is not a valid user id.", "input", "userId" }, Flatten(error));
    }

    [Fact]
    public void A_list_of_ids_keeps_the_first_of_each_refuses_the_others_at_their_index_and_tells_where_each_was()
    {
        var errors = new List<UserError>();

        var ids = RecordIds.ReadList(new List<object?> { "3", "x", "1", "3", 2L, null }, "company", errors, out var positions, "input", "companyIds");

        Assert.Equal([3L, 1L, 2L], ids);
        Assert.Equal([0, 2, 4], positions);
        Assert.Equal(
            [("'x' is not a valid company id.", "input/companyIds/1"), ("'' is not a valid company id.", "input/companyIds/5")],
            errors.Select(e => (e.Message, string.Join('/', e.Path))).ToList());
        Assert.All(errors, e => Assert.Equal(ErrorCodes.InvalidId, e.Code));
    }

    [Fact]
    public void A_long_list_of_ids_is_read_in_linear_time()
    {
        // A million distinct ids (a 1 MB request holds a quarter of that): a list scanned for each
        // id would compare 5 * 10^11 times, minutes of CPU; a set takes a fraction of a second.
        var values = Enumerable.Range(1, 1_000_000).Select(i => (object?)i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var cpuBefore = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;

        var ids = RecordIds.ReadList(values, null, [], out _, "input", "ids");

        Assert.Equal(1_000_000, ids.Count);
        // CPU time as a bound (of the whole process, so other tests running meanwhile count too).
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        Assert.True(cpu < TimeSpan.FromSeconds(10), $"Reading the ids took {cpu} of CPU.");
    }

    [Fact]
    public void Missing_and_hidden_records_are_worded_in_one_way()
    {
        Assert.Equal("There is no deal with id 5.", Refusals.NoSuch("deal", 5));
        Assert.Equal("'companyId': there is no company with id 5.", Refusals.NoSuch("company", 5, "companyId"));
        Assert.Equal("You may not change deal 5, or there is no such deal.", Refusals.MayNot("change", "deal", 5));
        Assert.Equal("You may not read deals.", Refusals.MayNotAny("read", "deals"));

        Assert.Equal(new[] { ErrorCodes.NotFound, "There is no lead with id 7.", "id" }, Flatten(Refusals.NotFound("lead", 7, "id")));
        Assert.Equal(new[] { ErrorCodes.Forbidden, "You may not convert lead 7, or there is no such lead.", "id" }, Flatten(Refusals.Forbidden("convert", "lead", 7, "id")));
        Assert.Equal((ErrorCodes.NotFound, "There is no user with id 12345678901."), (Refusals.NotFoundError("user", 12345678901).Code, Refusals.NotFoundError("user", 12345678901).Message));
        Assert.Equal((ErrorCodes.Forbidden, "You may not read contact 3, or there is no such contact."), (Refusals.ForbiddenError("read", "contact", 3).Code, Refusals.ForbiddenError("read", "contact", 3).Message));
    }

    private static string[] Flatten(UserError error) => [error.Code, error.Message, .. error.Path];
}
