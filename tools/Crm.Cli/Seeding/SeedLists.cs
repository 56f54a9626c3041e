using Bogus;

namespace Crm.Cli.Seeding;

/// <summary>Picks one of a list's items by weight.</summary>
internal sealed class WeightedChoice
{
    private readonly string[] _ids;
    private readonly double[] _cumulative;

    public WeightedChoice(IEnumerable<(string Id, double Weight)> items)
    {
        var list = items.Where(i => i.Weight > 0).ToList();
        _ids = [.. list.Select(i => i.Id)];
        _cumulative = new double[list.Count];
        var total = list.Sum(i => i.Weight);
        var sum = 0.0;
        for (var i = 0; i < list.Count; i++)
        {
            sum += list[i].Weight / total;
            _cumulative[i] = sum;
        }
    }

    public int Count => _ids.Length;

    public IReadOnlyList<string> Ids => _ids;

    public string Pick(Randomizer r)
    {
        if (_ids.Length == 0)
        {
            throw new InvalidOperationException("nothing to pick from");
        }

        var u = r.Double();
        var index = Array.BinarySearch(_cumulative, u);
        index = index < 0 ? ~index : index;
        return _ids[Math.Min(index, _ids.Length - 1)];
    }

    /// <summary>An item with probability <paramref name="present"/> (when the list has any), else null.</summary>
    public string? PickOrNull(Randomizer r, double present) => _ids.Length > 0 && r.Double() < present ? Pick(r) : null;
}

/// <summary>
/// The selection list items the seeded records hold, read from the database so that every value
/// is one the platform accepts. Known Bitrix24 ids get realistic weights; items an administrator
/// added get an average share; removed ones are not used.
/// </summary>
internal sealed class SeedLists
{
    private static readonly Dictionary<string, Dictionary<string, double>> Weights = new()
    {
        ["SOURCE"] = new() { ["CALL"] = 15, ["EMAIL"] = 12, ["WEB"] = 20, ["ADVERTISING"] = 10, ["PARTNER"] = 8, ["RECOMMENDATION"] = 10, ["TRADE_SHOW"] = 4, ["WEBFORM"] = 12, ["CALLBACK"] = 4, ["STORE"] = 3, ["OTHER"] = 2 },
        ["STATUS"] = new() { ["NEW"] = 20, ["IN_PROCESS"] = 20, ["PROCESSED"] = 10, ["CONVERTED"] = 15, ["JUNK"] = 35 },
        ["COMPANY_TYPE"] = new() { ["CUSTOMER"] = 70, ["SUPPLIER"] = 10, ["COMPETITOR"] = 3, ["PARTNER"] = 10, ["OTHER"] = 7 },
        ["INDUSTRY"] = new() { ["IT"] = 20, ["TELECOM"] = 8, ["MANUFACTURING"] = 15, ["BANKING"] = 6, ["CONSULTING"] = 12, ["FINANCE"] = 8, ["GOVERNMENT"] = 4, ["DELIVERY"] = 8, ["ENTERTAINMENT"] = 6, ["NOTPROFIT"] = 3, ["OTHER"] = 10 },
        ["EMPLOYEES"] = new() { ["EMPLOYEES_1"] = 50, ["EMPLOYEES_2"] = 30, ["EMPLOYEES_3"] = 12, ["EMPLOYEES_4"] = 8 },
        ["CONTACT_TYPE"] = new() { ["CLIENT"] = 75, ["SUPPLIER"] = 10, ["PARTNER"] = 10, ["OTHER"] = 5 },
        ["DEAL_TYPE"] = new() { ["SALE"] = 50, ["COMPLEX"] = 10, ["GOODS"] = 20, ["SERVICES"] = 15, ["SERVICE"] = 5 },
        // Open deals thin out towards the last stages; closed ones are lost a bit more often than won.
        ["DEAL_STAGE"] = new() { ["NEW"] = 30, ["PREPARATION"] = 22, ["PREPAYMENT_INVOICE"] = 15, ["EXECUTING"] = 20, ["FINAL_INVOICE"] = 13, ["WON"] = 45, ["LOSE"] = 55 },
    };

    private readonly Dictionary<string, string> _sourceNames;

    private SeedLists(IReadOnlyList<ListValue> items)
    {
        ILookup<string, ListValue> byList = items.ToLookup(i => i.EntityId);
        WeightedChoice Choice(string list, Func<ListValue, bool>? where = null)
        {
            var known = Weights.GetValueOrDefault(list) ?? [];
            var average = known.Count > 0 ? known.Values.Average() : 1;
            return new WeightedChoice(byList[list].Where(i => where?.Invoke(i) ?? true).Select(i => (i.Id, known.GetValueOrDefault(i.Id, average))));
        }

        Source = Choice("SOURCE");
        LeadStatus = Choice("STATUS");
        CompanyType = Choice("COMPANY_TYPE");
        Industry = Choice("INDUSTRY");
        Employees = Choice("EMPLOYEES");
        ContactType = Choice("CONTACT_TYPE");
        DealType = Choice("DEAL_TYPE");
        OpenStages = Choice("DEAL_STAGE", i => i.Semantics is null or "Process");
        var closed = Choice("DEAL_STAGE", i => i.Semantics is "Success" or "Failure");
        ClosedStages = closed.Count > 0 ? closed : OpenStages;
        StageInfo = byList["DEAL_STAGE"].ToDictionary(i => i.Id, i => (i.Semantics ?? "Process", i.Probability));
        Honorifics = byList["HONORIFIC"].Select(i => i.Id).ToHashSet();
        var statuses = byList["STATUS"].ToList();
        ConvertedStatus = statuses.FirstOrDefault(i => i.Id == "CONVERTED")?.Id ?? statuses.FirstOrDefault(i => i.Semantics == "Success")?.Id;
        _sourceNames = byList["SOURCE"].ToDictionary(i => i.Id, i => i.Name);
    }

    public static SeedLists From(IReadOnlyList<ListValue> items) => new(items);

    public WeightedChoice Source { get; }

    public WeightedChoice LeadStatus { get; }

    /// <summary>The lead status of a converted lead (success), if the list has one.</summary>
    public string? ConvertedStatus { get; }

    public WeightedChoice CompanyType { get; }

    public WeightedChoice Industry { get; }

    public WeightedChoice Employees { get; }

    public WeightedChoice ContactType { get; }

    public WeightedChoice DealType { get; }

    /// <summary>Stages of the default pipeline (DEAL_STAGE) still in process.</summary>
    public WeightedChoice OpenStages { get; }

    /// <summary>Won and lost stages of the default pipeline.</summary>
    public WeightedChoice ClosedStages { get; }

    /// <summary>Semantics (as stored: Process, Success, Failure) and default probability of each stage.</summary>
    public IReadOnlyDictionary<string, (string Semantics, int? Probability)> StageInfo { get; }

    public IReadOnlySet<string> Honorifics { get; }

    public string? SourceName(string? id) => id is null ? null : _sourceNames.GetValueOrDefault(id);
}
