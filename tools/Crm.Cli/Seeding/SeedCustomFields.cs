using System.Globalization;
using Bogus;

namespace Crm.Cli.Seeding;

/// <summary>
/// The custom field values <c>crm seed --deal-custom-fields</c> gives deals, in their
/// <c>custom_fields</c> document: a region (an ENUMERATION, stored as its item's id) and a budget
/// (a NUMBER). The definitions are not written: an administrator (or a benchmark) creates them
/// afterwards with <c>createCustomField</c>, the region's items in the order of
/// <see cref="Regions"/> so that they get the ids 1, 2, ... the values use.
/// </summary>
internal static class SeedCustomFields
{
    public const string RegionCode = "UF_CRM_REGION";

    public const string BudgetCode = "UF_CRM_BUDGET";

    /// <summary>The region items in order (item id = position + 1) and how often deals are in each (per cent of those with a region).</summary>
    public static readonly (string Value, int Weight)[] Regions =
    [
        ("North America", 21), ("Western Europe", 17), ("Central Europe", 14), ("United Kingdom", 11), ("Nordics", 9),
        ("Southern Europe", 8), ("Latin America", 7), ("Middle East", 6), ("Asia Pacific", 4), ("Africa", 3),
    ];

    /// <summary>The share of deals that have a region; the rest leave it empty (no key in the document).</summary>
    public const double RegionShare = 0.92;

    /// <summary>The share of deals that have a budget.</summary>
    public const double BudgetShare = 0.65;

    private static readonly int WeightTotal = Regions.Sum(r => r.Weight);

    /// <summary>
    /// One deal's document: the region independent of everything else (so that it spreads evenly
    /// over ids and time), the budget near the deal's amount (60 % to 180 % of it, in hundreds).
    /// Drawn from its own random stream so that the rest of the seeded data stays the same.
    /// </summary>
    public static string Document(Randomizer r, decimal opportunity)
    {
        long? region = null;
        if (r.Double() < RegionShare)
        {
            var pick = r.Number(0, WeightTotal - 1);
            var id = 0;
            while (pick >= Regions[id].Weight)
            {
                pick -= Regions[id].Weight;
                id++;
            }

            region = id + 1;
        }

        decimal? budget = r.Double() < BudgetShare
            ? Math.Max(100m, Math.Round(opportunity * (0.6m + (1.2m * (decimal)r.Double())) / 100m) * 100m)
            : null;

        // Keys in order, as the platform writes the document.
        var parts = new List<string>(2);
        if (budget is { } b)
        {
            parts.Add($"\"{BudgetCode}\":{b.ToString("0", CultureInfo.InvariantCulture)}");
        }

        if (region is { } g)
        {
            parts.Add($"\"{RegionCode}\":{g.ToString(CultureInfo.InvariantCulture)}");
        }

        return "{" + string.Join(",", parts) + "}";
    }
}
