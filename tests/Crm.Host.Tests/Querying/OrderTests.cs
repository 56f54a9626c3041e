using Crm.Host.Tests.Infrastructure;

namespace Crm.Host.Tests.Querying;

/// <summary>
/// The <c>order</c> argument: several keys, both directions, NULLs last ascending and first
/// descending on both engines, and the id as the final tie-break.
/// </summary>
public abstract class OrderTests(HostFixture fixture)
{
    private CrmHost Host => fixture.Host;

    private static Dictionary<string, string> Key(string field, string direction) => new() { [field] = direction };

    private async Task<IReadOnlyList<string>> ListAsync(string field, string filterType, string sortType, IReadOnlyList<string> scope, object[]? order)
    {
        var response = (await Host.QueryAsync(
            $"query($ids: [ID], $order: [{sortType}!]) {{ {field}(where: {{ id: {{ in: $ids }} }}, order: $order, first: 200) {{ nodes {{ id }} }} }}",
            new { ids = scope, order })).ShouldSucceed();
        return Records.Ids(response.Data![field]!["nodes"]);
    }

    /// <summary>
    /// Five contacts: two without a last name, two sharing one, birthdates and assignees with
    /// gaps and ties, so that every key needs the next one.
    /// </summary>
    private async Task<IReadOnlyList<string>> SeedContactsAsync()
    {
        var m = Records.NewMarker("Ord");
        return
        [
            await Host.CreateContactAsync(new { name = m + " a", lastName = "Beta", opened = true, birthdate = "1990-01-01", assignedById = "2" }),
            await Host.UnassignedAsync("Contact", Host.CreateContactAsync(new { name = m + " b", opened = false })),
            await Host.CreateContactAsync(new { name = m + " c", lastName = "Alpha", opened = true, birthdate = "1980-01-01", assignedById = "1" }),
            await Host.UnassignedAsync("Contact", Host.CreateContactAsync(new { name = m + " d", opened = true, birthdate = "1990-01-01" })),
            await Host.CreateContactAsync(new { name = m + " e", lastName = "Beta", opened = false, birthdate = "1970-01-01", assignedById = "1" }),
        ];
    }

    public static TheoryData<string, int[]> ContactOrders() => new()
    {
        { "lastName ASC", [2, 0, 4, 1, 3] },
        { "lastName DESC", [1, 3, 0, 4, 2] },
        { "lastName ASC, name DESC", [2, 4, 0, 3, 1] },
        { "lastName DESC, name DESC", [3, 1, 4, 0, 2] },
        { "lastName ASC, id DESC", [2, 4, 0, 3, 1] },
        { "opened ASC, birthdate DESC", [1, 4, 0, 3, 2] },
        { "opened DESC, birthdate ASC", [2, 0, 3, 4, 1] },
        { "assignedById ASC", [2, 4, 0, 1, 3] },
        { "assignedById DESC", [1, 3, 0, 2, 4] },
        { "birthdate ASC, lastName DESC", [4, 2, 3, 0, 1] },
        { "birthdate DESC, assignedById ASC", [1, 0, 3, 2, 4] },
        { "name ASC", [0, 1, 2, 3, 4] },
        { "name DESC", [4, 3, 2, 1, 0] },
        { "id DESC", [4, 3, 2, 1, 0] },
        { "createdAt DESC", [4, 3, 2, 1, 0] },
        { "", [0, 1, 2, 3, 4] },
    };

    [Theory]
    [MemberData(nameof(ContactOrders))]
    public async Task Contacts_sort_by_the_given_keys_with_nulls_last_ascending_and_first_descending(string order, int[] expected)
    {
        var ids = await SeedContactsAsync();
        var keys = order.Length == 0
            ? null
            : order.Split(", ").Select(k => k.Split(' ')).Select(k => (object)Key(k[0], k[1])).ToArray();

        Assert.Equal(ids.Pick(expected), await ListAsync("contacts", "ContactFilterInput", "ContactSortInput", ids, keys));
    }

    [Fact]
    public async Task Companies_sort_alike()
    {
        var m = Records.NewMarker("Ordc");
        IReadOnlyList<string> ids =
        [
            await Host.CreateCompanyAsync(new { title = m + " b", industry = "IT" }),
            await Host.CreateCompanyAsync(new { title = m + " a" }),
            await Host.CreateCompanyAsync(new { title = m + " c", industry = "IT" }),
            await Host.CreateCompanyAsync(new { title = m + " d" }),
            await Host.CreateCompanyAsync(new { title = m + " a", industry = "TELECOM" }),
        ];

        async Task Expect(object[] order, params int[] expected) =>
            Assert.Equal(ids.Pick(expected), await ListAsync("companies", "CompanyFilterInput", "CompanySortInput", ids, order));

        await Expect([Key("industry", "ASC"), Key("title", "DESC")], 2, 0, 4, 3, 1);
        await Expect([Key("industry", "DESC"), Key("title", "ASC")], 1, 3, 4, 0, 2);
        await Expect([Key("title", "ASC")], 1, 4, 0, 2, 3);
        await Expect([Key("title", "DESC")], 3, 2, 0, 1, 4);
        await Expect([Key("title", "DESC"), Key("id", "DESC")], 3, 2, 0, 4, 1);
    }

    [Fact]
    public async Task Sorting_on_a_field_that_is_not_sortable_is_a_VALIDATION_error()
    {
        var response = await Host.QueryAsync("{ contacts(order: [{ comments: ASC }]) { nodes { id } } }");
        Assert.Equal(["VALIDATION"], response.ErrorCodes);
        response = await Host.QueryAsync("{ contacts(order: [{ emails: ASC }]) { nodes { id } } }");
        Assert.Equal(["VALIDATION"], response.ErrorCodes);
        response = await Host.QueryAsync("{ contacts(order: [{ name: UP }]) { nodes { id } } }");
        Assert.Equal(["VALIDATION"], response.ErrorCodes);
    }
}

[Trait("Engine", "Sqlite")]
public sealed class OrderTestsOnSqlite(SqliteHost fixture) : OrderTests(fixture), IClassFixture<SqliteHost>;

[Trait("Engine", "Postgres")]
public sealed class OrderTestsOnPostgres(PostgresHost fixture) : OrderTests(fixture), IClassFixture<PostgresHost>;
