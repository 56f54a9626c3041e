using Bogus;

namespace Crm.Cli.Seeding;

/// <summary>
/// Who seeded records are assigned to: only users that exist. By default the active users there
/// are (on a new installation, the administrator alone); with <c>--managers M</c>, M users: the
/// active ones, lowest ids first, and new seed users after them when there are fewer. Seed users
/// are people without a password (they cannot sign in until an administrator sets one), written
/// in the seed's transaction.
/// </summary>
internal sealed class SeedUsers
{
    private const long BootstrapAdministratorId = 1;

    private SeedUsers(IReadOnlyList<long> assignees, long firstNewId, int newCount)
    {
        Assignees = assignees;
        FirstNewId = firstNewId;
        NewCount = newCount;
    }

    /// <summary>The users records go to, in the order the generator favours them (the first carry more).</summary>
    public IReadOnlyList<long> Assignees { get; }

    public long FirstNewId { get; }

    public int NewCount { get; }

    public static SeedUsers Plan(SeedDatabase db, int? managers)
    {
        var existing = db.ActiveUserIds();
        if (existing is null)
        {
            // No Permissions module: the bootstrap administrator (the first API key's user) is the only user there is.
            return managers is null or 1
                ? new SeedUsers([BootstrapAdministratorId], 0, 0)
                : throw new InvalidOperationException($"table {SeedTables.Users.Display} does not exist: --managers creates users, which needs the Permissions module.");
        }

        if (managers is not { } wanted)
        {
            return existing.Count > 0
                ? new SeedUsers(existing, 0, 0)
                : throw new InvalidOperationException("there is no active user to assign records to: give --managers M to create seed users.");
        }

        var assignees = existing.Take(wanted).ToList();
        var missing = wanted - assignees.Count;
        var firstNewId = missing > 0 ? db.NextId(SeedTables.Users) : 0;
        for (var i = 0; i < missing; i++)
        {
            assignees.Add(firstNewId + i);
        }

        return new SeedUsers(assignees, firstNewId, missing);
    }

    /// <summary>The new seed users, in the columns of <see cref="SeedTables.Users"/>.</summary>
    public void Write(RowWriter w, int seed, DateTime now)
    {
        var f = new Faker("en") { Random = new Randomizer(unchecked((seed * 7919) + 99)) };
        for (var i = 0; i < NewCount; i++)
        {
            var id = FirstNewId + i;
            var email = $"seed.user{id}@example.com";
            w.Row();
            w.Long(id);
            w.Text(email);
            w.Text(email);
            w.Text(f.Name.FirstName());
            w.Text(f.Name.LastName());
            w.Bool(true);
            w.Text("UTC");
            w.Text("en");
            w.Text("Person");
            w.Bool(false);
            w.Time(now);
            w.Time(now);
        }
    }
}
