using System.Text;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Querying;
using GraphQL;

namespace Crm.PluginSdk.Tests;

public sealed class PagingCursorTests
{
    private static EntityField Field(string name) => SampleEntity.Instance.Fields[name];

    private static OrderKey Key(string name, SortDirection direction = SortDirection.Ascending) => new(Field(name), direction);

    private static readonly OrderKey[] AllKinds =
    [
        Key("title"),
        Key("name", SortDirection.Descending),
        Key("birthdate"),
        Key("seenAt", SortDirection.Descending),
        Key("opened"),
        Key("amount"),
        Key("rank"),
        Key("ownerId"),
        Key("id"),
    ];

    private static string Encode(string json) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public void A_cursor_gives_back_the_sort_values_it_was_made_from_with_their_types()
    {
        var seenAt = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234567);
        var record = new SampleRecord
        {
            Id = 42,
            Title = "Ann & Co. \"quoted\" ü/+?",
            Name = "Lee",
            Birthdate = new DateOnly(1990, 5, 1),
            SeenAt = seenAt,
            Opened = true,
            Amount = 12.50m,
            Rank = -3,
            OwnerId = 7,
        };

        var cursor = Paging.EncodeCursor(AllKinds, record);
        var values = Paging.DecodeCursor(cursor, AllKinds, "after");

        Assert.Equal<object?>(
            [record.Title, "Lee", new DateOnly(1990, 5, 1), seenAt, true, 12.50m, -3, 7L, 42L],
            values);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)values[3]!).Kind);
        Assert.IsType<long>(values[8]);
        Assert.IsType<decimal>(values[5]);
    }

    [Fact]
    public void Null_sort_values_survive_the_round_trip()
    {
        var record = new SampleRecord { Id = 5, Title = "t", SeenAt = DateTime.UnixEpoch };
        var values = Paging.DecodeCursor(Paging.EncodeCursor(AllKinds, record), AllKinds, "after");
        Assert.Null(values[1]);
        Assert.Null(values[2]);
        Assert.Null(values[5]);
        Assert.Null(values[7]);
        Assert.Equal(5L, values[8]);
    }

    [Fact]
    public void Cursors_are_url_safe_and_unpadded()
    {
        // Titles chosen so that plain base64 would need '+', '/' and '=' somewhere.
        foreach (var title in new[] { "???", ">>>", "a", "ab", "abc", "ÿÿÿ", "~~~~~" })
        {
            var cursor = Paging.EncodeCursor([Key("title"), Key("id")], new SampleRecord { Id = 1, Title = title });
            Assert.Matches("^[A-Za-z0-9_-]+$", cursor);
            Assert.Equal(title, Paging.DecodeCursor(cursor, [Key("title"), Key("id")], "after")[0]);
        }
    }

    public static TheoryData<string> Garbage() => new()
    {
        "",
        "not a cursor",
        "!!!!",
        "%%%",
        "a",
        "YWJj", // "abc": not JSON
        Encode("{}"),
        Encode("\"42\""),
        Encode("42"),
        Encode("[]"),
        Encode("[1, 2]"), // two values for one key
        Encode("[\"abc\"]"), // an id must be a number
        Encode("[1.5]"),
        Encode("[true]"),
        Encode("[null]"), // an id is never null
        Encode("[{}]"),
        Encode("[1]") + "%",
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Garbage_is_refused_with_INVALID_CURSOR(string cursor)
    {
        var error = Assert.ThrowsAny<ExecutionError>(() => Paging.DecodeCursor(cursor, [Key("id")], "before"));
        Assert.Equal(ErrorCodes.InvalidCursor, error.Code);
        Assert.Contains("'before'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[null, 1]")] // title is not nullable
    [InlineData("[\"x\", \"y\"]")] // id is a number
    [InlineData("[\"x\"]")] // one value for two keys
    [InlineData("[\"x\", 1, 2]")]
    public void A_cursor_that_does_not_fit_the_order_is_refused(string json)
    {
        var error = Assert.ThrowsAny<ExecutionError>(() => Paging.DecodeCursor(Encode(json), [Key("title"), Key("id")], "after"));
        Assert.Equal(ErrorCodes.InvalidCursor, error.Code);
    }

    [Theory]
    [InlineData("[\"not a date\", 1]")]
    [InlineData("[\"2024-13-01\", 1]")]
    [InlineData("[\"2024-01-02T03:04:05\", 1]")] // no zone: not a time this server wrote
    [InlineData("[\"2024-01-02T03:04:05+02:00\", 1]")]
    public void A_time_value_must_be_a_utc_time(string json)
    {
        var error = Assert.ThrowsAny<ExecutionError>(() => Paging.DecodeCursor(Encode(json), [Key("seenAt"), Key("id")], "after"));
        Assert.Equal(ErrorCodes.InvalidCursor, error.Code);
    }

    [Fact]
    public void A_cursor_of_nullable_keys_may_hold_nulls()
    {
        var values = Paging.DecodeCursor(Encode("[null, null, 3]"), [Key("name"), Key("birthdate"), Key("id")], "after");
        Assert.Equal<object?>([null, null, 3L], values);
    }
}
