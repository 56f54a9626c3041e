using System.Globalization;
using System.Text;
using System.Text.Json;
using Bogus;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Records;
using Gender = Bogus.DataSets.Name.Gender;

namespace Crm.Cli.Seeding;

/// <summary>
/// How many records of each kind to add, and the random seed that makes them reproducible;
/// <see cref="Managers"/> is how many users the records are assigned to (null: every active user).
/// </summary>
internal sealed record SeedPlan(int Companies, int Contacts, int Leads, int Deals, int Seed, bool DealCustomFields = false, int? Managers = null);

/// <summary>The first id each seeded table gives out.</summary>
internal sealed record SeedIds(long Company, long Contact, long Lead, long Deal);

/// <summary>
/// Generates related, plausible CRM data with Bogus and writes it table by table. Records link
/// up as users would make them: contacts work for one or two companies (their work e-mail is at
/// the company's domain), a deal is with a company and one to three of its people (the primary
/// first), a converted lead points at the contact, company and deal it became and the deal back
/// at it. Creation times spread over the two years before today, more of them recent (a growing
/// business), and follow the ids as they would in use; nothing is created before what it refers
/// to. The same plan and seed give the same data on the same day.
/// </summary>
internal sealed class SeedGenerator
{
    // Where on the time line each kind starts (as a share of all records made by then): companies
    // from the first day, contacts once there are a few companies, deals once there are people.
    private const double CompaniesFrom = 0;
    private const double ContactsFrom = 0.02;
    private const double DealsFrom = 0.04;
    private const double LeadsFrom = 0;
    private const string EmptyJson = "[]";

    private static readonly string[] PersonalDomains = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me"];
    private static readonly string[] TopLevelDomains = [".com", ".com", ".com", ".net", ".io", ".biz", ".co"];
    private static readonly string[] Currencies = ["USD", "USD", "USD", "USD", "USD", "USD", "USD", "EUR", "EUR", "GBP"];
    private static readonly string[] UtmSources = ["google", "facebook", "linkedin", "newsletter", "bing", "instagram", "partner_site", "youtube"];
    private static readonly string[] UtmMediums = ["cpc", "social", "email", "organic", "referral", "display"];
    private static readonly string[] UtmContents = ["banner_a", "banner_b", "cta_top", "cta_footer", "video", "text_link"];
    private static readonly string[] Seasons = ["spring", "summer", "autumn", "winter", "black_friday", "new_year", "launch", "webinar"];
    private static readonly string[] ImTypes = ["TELEGRAM", "WHATSAPP", "SKYPE", "VIBER"];

    private readonly SeedPlan _plan;
    private readonly IReadOnlyList<long> _assignees;
    private readonly SeedIds _ids;
    private readonly SeedLists _lists;
    private readonly DateTime _now;
    private readonly DateTime _start;

    // What later tables need of earlier ones, by position in this run (not by id).
    private readonly string[] _companyTitles;
    private readonly string[] _companyDomains;
    private readonly int[] _contactFirstCompany;

    /// <summary>Each contact's title (name, second name, last name), for the linked titles deals are searched by.</summary>
    private readonly string[] _contactTitles;
    private readonly List<(int Contact, int Company, int Sort)> _contactCompanyLinks = [];
    private int[] _companyContactStart = [];
    private int[] _companyContacts = [];
    private readonly List<(int Deal, int Contact, int Sort)> _dealContactLinks = [];

    // Lead statuses are drawn first: a converted lead and its deal refer to each other.
    private readonly string[] _leadStatus;
    private readonly int[] _convertedLeads;
    private readonly ConvertedDeal[] _convertedDeals;

    private readonly record struct ConvertedDeal(long DealId, long? CompanyId, long? ContactId, DateTime Created, string? SourceId);

    public SeedGenerator(SeedPlan plan, SeedIds ids, SeedLists lists, IReadOnlyList<long> assignees, DateTime now)
    {
        _plan = plan;
        _assignees = assignees;
        _ids = ids;
        _lists = lists;
        _now = now;
        _start = now.AddDays(-730);
        _companyTitles = new string[plan.Companies];
        _companyDomains = new string[plan.Companies];
        _contactFirstCompany = new int[plan.Contacts];
        _contactTitles = new string[plan.Contacts];

        var random = Faker(0).Random;
        _leadStatus = new string[plan.Leads];
        var converted = new List<int>();
        for (var i = 0; i < plan.Leads; i++)
        {
            _leadStatus[i] = lists.LeadStatus.Pick(random);
            if (_leadStatus[i] == lists.ConvertedStatus)
            {
                converted.Add(i);
            }
        }

        _convertedLeads = [.. converted];
        _convertedDeals = new ConvertedDeal[Math.Min(_convertedLeads.Length, plan.Deals)];
    }

    /// <summary>Called every <see cref="ProgressStep"/> rows with the rows written so far.</summary>
    public Action<long>? Progress { get; set; }

    public const int ProgressStep = 10_000;

    private Faker Faker(int stream) => new("en") { Random = new Randomizer(unchecked((_plan.Seed * 7919) + stream)) };

    private void Tick(long row)
    {
        if (row % ProgressStep == 0)
        {
            Progress?.Invoke(row);
        }
    }

    /// <summary>
    /// The search content the platform would keep for such a record (see <see cref="SearchText"/>),
    /// from the JSON lists as written.
    /// </summary>
    private static string Search(IEnumerable<string?> texts, IEnumerable<string?> handleLists, string? phoneList) =>
        SearchText.Build(
            texts,
            handleLists.SelectMany(ValuesOf),
            ValuesOf(phoneList));

    private static IEnumerable<string> ValuesOf(string? json) =>
        string.IsNullOrEmpty(json) || json == EmptyJson
            ? []
            : (JsonSerializer.Deserialize<List<ContactPoint>>(json, StorageJson.Options) ?? []).Select(p => p.Value);

    public void Companies(RowWriter w)
    {
        var f = Faker(1);
        var r = f.Random;
        var words = new Words(f);
        for (var i = 0; i < _plan.Companies; i++)
        {
            var title = words.CompanyName();
            var domain = DomainOf(title, r);
            var created = CreatedAt(r, i, _plan.Companies, CompaniesFrom, out _);
            var assigned = Manager(r);
            _companyTitles[i] = title;
            _companyDomains[i] = domain;

            var revenue = r.Double() < 0.6 ? Math.Round(LogNormal(r, 2_000_000, 1.6, 10_000, 5_000_000_000) / 1000m) * 1000m : (decimal?)null;
            var phones = r.Double() < 0.9 ? Points(Phone(r, "WORK"), r.Double() < 0.3 ? Phone(r, "FAX") : null) : EmptyJson;
            var emails = r.Double() < 0.8 ? Points(new ContactPoint($"{r.ArrayElement(new[] { "info", "sales", "office", "contact", "hello" })}@{domain}", "WORK")) : EmptyJson;
            var webs = r.Double() < 0.85 ? Points(new ContactPoint($"https://www.{domain}", "WORK")) : EmptyJson;
            var address = r.Double() < 0.7
                ? JsonSerializer.Serialize(new PostalAddress(words.StreetAddress(), r.Double() < 0.2 ? words.SecondaryAddress() : null, words.City(), f.Address.ZipCode(), f.Address.State(), null, "United States", "US"), StorageJson.Options)
                : null;

            w.Row();
            w.Long(_ids.Company + i);
            w.Text(Clip(title, 255));
            w.Text(_lists.CompanyType.PickOrNull(r, 0.95));
            w.Text(_lists.Industry.PickOrNull(r, 0.9));
            w.Text(_lists.Employees.PickOrNull(r, 0.7));
            w.Money(revenue);
            w.Text(revenue is null ? null : r.ArrayElement(Currencies));
            w.Json(phones);
            w.Json(emails);
            w.Json(webs);
            w.Json(address);
            w.Text(r.Double() < 0.1 ? f.Company.CatchPhrase() : null);
            w.Long(assigned);
            w.Bool(r.Double() < 0.9);
            Audit(w, r, created, assigned);
            w.Text(Search([title], [emails, webs], phones));
            Tick(i + 1);
        }
    }

    public void Contacts(RowWriter w)
    {
        var f = Faker(2);
        var r = f.Random;
        var perCompany = new int[_plan.Companies];
        for (var i = 0; i < _plan.Contacts; i++)
        {
            // Most people work for a company that existed before them, a quarter of them for a
            // second one too; the oldest companies have gathered the most people.
            var created = CreatedAt(r, i, _plan.Contacts, ContactsFrom, out var position);
            var companies = MadeBy(position, _plan.Companies, CompaniesFrom);
            var company = companies > 0 && r.Double() < 0.85 ? Skewed(r, companies, 2.0) : -1;
            _contactFirstCompany[i] = company;
            var companyTitles = new List<string?>(2);
            if (company >= 0)
            {
                _contactCompanyLinks.Add((i, company, 0));
                companyTitles.Add(_companyTitles[company]);
                perCompany[company]++;
                if (companies > 1 && r.Double() < 0.25)
                {
                    var second = r.Number(0, companies - 2);
                    second = second >= company ? second + 1 : second;
                    _contactCompanyLinks.Add((i, second, 1));
                    companyTitles.Add(_companyTitles[second]);
                    perCompany[second]++;
                }
            }

            var gender = r.Bool() ? Gender.Male : Gender.Female;
            var name = f.Name.FirstName(gender);
            var lastName = f.Name.LastName(gender);
            var assigned = Manager(r);
            var login = $"{Slug(name)}.{Slug(lastName)}";
            var workEmail = company >= 0 ? new ContactPoint($"{login}@{_companyDomains[company]}", "WORK") : null;
            var homeEmail = workEmail is null || r.Double() < 0.3
                ? new ContactPoint($"{login}{(r.Double() < 0.5 ? r.Number(1, 99).ToString(CultureInfo.InvariantCulture) : "")}@{r.ArrayElement(PersonalDomains)}", "HOME")
                : null;
            var phones = Points(Phone(r, company >= 0 ? "WORK" : "MOBILE"), r.Double() < 0.4 ? Phone(r, "MOBILE") : null);

            var honorific = r.Double() < 0.6 ? Honorific(r, gender) : null;
            var secondName = r.Double() < 0.1 ? Clip(f.Name.FirstName(gender), 50) : null;
            var post = r.Double() < 0.8 ? Clip(f.Name.JobTitle(), 255) : null;
            var emails = Points(workEmail, homeEmail);

            w.Row();
            w.Long(_ids.Contact + i);
            w.Text(honorific);
            w.Text(Clip(name, 50));
            w.Text(secondName);
            w.Text(Clip(lastName, 50));
            w.Text(post);
            w.Text(_lists.ContactType.PickOrNull(r, 0.9));
            w.Text(_lists.Source.PickOrNull(r, 0.8));
            w.Json(phones);
            w.Json(emails);
            w.Date(r.Double() < 0.7 ? DateOnly.FromDateTime(_now.AddDays(-r.Number(20 * 365, 70 * 365))) : null);
            w.Text(r.Double() < 0.1 ? f.Lorem.Sentence() : null);
            w.Long(assigned);
            w.Bool(r.Double() < 0.9);
            Audit(w, r, created, assigned);
            w.Text(Search([name, secondName, lastName, post], [emails], phones));
            // As the platform keeps them: contacts are searched by their companies' titles too.
            w.Text(SearchText.BuildLinks(companyTitles));
            _contactTitles[i] = string.Join(' ', new[] { Clip(name, 50), secondName, Clip(lastName, 50) }.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p!.Trim()));
            Tick(i + 1);
        }

        // Each company's people, for the deals: start offsets, then the contacts themselves.
        _companyContactStart = new int[_plan.Companies + 1];
        for (var c = 0; c < _plan.Companies; c++)
        {
            _companyContactStart[c + 1] = _companyContactStart[c] + perCompany[c];
        }

        _companyContacts = new int[_contactCompanyLinks.Count];
        var next = (int[])_companyContactStart.Clone();
        foreach (var (contact, company, _) in _contactCompanyLinks)
        {
            _companyContacts[next[company]++] = contact;
        }
    }

    public void ContactCompanies(RowWriter w)
    {
        var row = 0L;
        foreach (var (contact, company, sort) in _contactCompanyLinks)
        {
            w.Row();
            w.Long(_ids.Contact + contact);
            w.Long(_ids.Company + company);
            w.Int(sort);
            Tick(++row);
        }
    }

    public void Deals(RowWriter w)
    {
        var f = Faker(3);
        var r = f.Random;
        var products = Enumerable.Range(0, 2000).Select(_ => f.Commerce.ProductName()).ToArray();
        var departments = Enumerable.Range(0, 50).Select(_ => f.Commerce.Department(1)).Distinct().ToArray();
        var contacts = new List<int>(3);
        var nextConverted = 0;
        // Custom field values from a stream of their own: with or without them, the rest is the same.
        var custom = Faker(5).Random;
        for (var i = 0; i < _plan.Deals; i++)
        {
            // The primary contact, one of the people known by then, and the company they work
            // for (if any); further contacts from the same company (its people known by then,
            // a prefix of its list, which is in contact order), or anyone when there is none.
            var created = CreatedAt(r, i, _plan.Deals, DealsFrom, out var position);
            var known = MadeBy(position, _plan.Contacts, ContactsFrom);
            contacts.Clear();
            var company = -1;
            if (known > 0)
            {
                var primary = r.Number(0, known - 1);
                contacts.Add(primary);
                company = _contactFirstCompany[primary];
                var from = company >= 0 ? _companyContactStart[company] : 0;
                var to = company >= 0 ? KnownUpTo(from, _companyContactStart[company + 1], known) : known;
                var wanted = r.Double() switch { < 0.6 => 1, < 0.88 => 2, _ => 3 };
                for (var attempt = 0; contacts.Count < wanted && attempt < 6; attempt++)
                {
                    var other = r.Number(from, to - 1);
                    other = company >= 0 ? _companyContacts[other] : other;
                    if (!contacts.Contains(other))
                    {
                        contacts.Add(other);
                    }
                }
            }
            else if (_plan.Contacts == 0 && MadeBy(position, _plan.Companies, CompaniesFrom) is > 0 and var companies && r.Double() < 0.9)
            {
                company = Skewed(r, companies, 1.5);
            }

            var ageDays = (_now - created).TotalDays;

            // Older deals are mostly closed; young ones mostly still moving through the stages.
            var stage = r.Double() < Math.Clamp(ageDays / 150, 0.05, 0.85) ? _lists.ClosedStages.Pick(r) : _lists.OpenStages.Pick(r);
            var (semantics, probability) = _lists.StageInfo[stage];
            var closed = semantics != "Process";
            var opportunity = Math.Round(LogNormal(r, 1500, 1.3, 50, 500_000), r.Double() < 0.6 ? 0 : 2);
            var begin = DateOnly.FromDateTime(created);
            var close = closed
                ? begin.AddDays(r.Number(1, Math.Max(1, (int)ageDays)))
                : begin.AddDays(r.Number(14, 150));
            var assigned = Manager(r);

            var companyTitle = company >= 0 ? _companyTitles[company] : null;
            var title = (r.Number(0, 9), companyTitle) switch
            {
                (< 3, _) => r.ArrayElement(products),
                (< 6, { } c) => $"{r.ArrayElement(products)} for {ShortName(c)}",
                (< 8, _) => $"{r.Number(2, 500)} × {r.ArrayElement(products)}",
                (8, { } c) => $"{ShortName(c)}: {r.ArrayElement(departments)} supply {created.Year}",
                _ => $"{r.ArrayElement(departments)} service contract {created.Year}",
            };

            long? leadId = null;
            string? sourceId = _lists.Source.PickOrNull(r, 0.85);
            if (nextConverted < _convertedDeals.Length && (long)nextConverted * _plan.Deals / _convertedDeals.Length == i)
            {
                leadId = _ids.Lead + _convertedLeads[nextConverted];
                _convertedDeals[nextConverted++] = new ConvertedDeal(
                    _ids.Deal + i, company >= 0 ? _ids.Company + company : null, contacts.Count > 0 ? _ids.Contact + contacts[0] : null, created, sourceId);
            }

            w.Row();
            w.Long(_ids.Deal + i);
            w.Text(Clip(title, 255));
            w.Text(_lists.DealType.PickOrNull(r, 0.8));
            w.Long(0);
            w.Text(stage);
            w.Text(semantics);
            w.Bool(closed);
            w.Int(probability);
            w.Money(opportunity);
            w.Text(r.ArrayElement(Currencies));
            w.Date(begin);
            w.Date(close);
            w.Long(company >= 0 ? _ids.Company + company : null);
            w.Long(contacts.Count > 0 ? _ids.Contact + contacts[0] : null);
            w.Text(sourceId);
            w.Long(assigned);
            w.Bool(r.Double() < 0.9);
            w.Text(r.Double() < 0.1 ? f.Lorem.Sentence() : null);
            w.Long(leadId);
            Utm(w, r, f, sourceId);
            Audit(w, r, created, assigned);
            w.Text(Search([title], [], EmptyJson));
            // Deals are searched by their company's title and their contacts' names too.
            w.Text(SearchText.BuildLinks(contacts.Select(c => (string?)_contactTitles[c]).Prepend(companyTitle)));
            if (_plan.DealCustomFields)
            {
                w.Json(SeedCustomFields.Document(custom, opportunity));
            }

            for (var c = 0; c < contacts.Count; c++)
            {
                _dealContactLinks.Add((i, contacts[c], c));
            }

            Tick(i + 1);
        }
    }

    public void DealContacts(RowWriter w)
    {
        var row = 0L;
        foreach (var (deal, contact, sort) in _dealContactLinks)
        {
            w.Row();
            w.Long(_ids.Deal + deal);
            w.Long(_ids.Contact + contact);
            w.Int(sort);
            Tick(++row);
        }
    }

    public void Leads(RowWriter w)
    {
        var f = Faker(4);
        var r = f.Random;
        var words = new Words(f);
        var products = Enumerable.Range(0, 500).Select(_ => f.Commerce.ProductName()).ToArray();
        var nextConverted = 0;
        for (var i = 0; i < _plan.Leads; i++)
        {
            ConvertedDeal? deal = null;
            if (nextConverted < _convertedLeads.Length && _convertedLeads[nextConverted] == i)
            {
                deal = nextConverted < _convertedDeals.Length ? _convertedDeals[nextConverted] : null;
                nextConverted++;
            }

            var gender = r.Bool() ? Gender.Male : Gender.Female;
            var name = f.Name.FirstName(gender);
            var lastName = f.Name.LastName(gender);
            var companyTitle = r.Double() < 0.6 ? words.CompanyName() : null;
            var sourceId = deal is { } d ? d.SourceId : _lists.Source.PickOrNull(r, 0.9);
            // A converted lead came in shortly before its deal was made.
            var created = deal is { } cd ? Max(_start, cd.Created.AddHours(-r.Number(1, 24 * 21))) : CreatedAt(r, i, _plan.Leads, LeadsFrom, out _);
            var assigned = Manager(r);
            var product = r.ArrayElement(products);
            var title = r.Number(0, 3) switch
            {
                0 => $"{product} enquiry",
                1 => companyTitle is null ? $"{name} {lastName}" : $"{ShortName(companyTitle)}: {product}",
                2 => $"Request from {_lists.SourceName(sourceId) ?? "the website"}",
                _ => $"Quote for {r.Number(1, 200)} × {product}",
            };
            var login = $"{Slug(name)}.{Slug(lastName)}";
            var email = r.Double() < 0.85
                ? new ContactPoint(companyTitle is null ? $"{login}@{r.ArrayElement(PersonalDomains)}" : $"{login}@{DomainOf(companyTitle, r)}", companyTitle is null ? "HOME" : "WORK")
                : null;
            var phone = r.Double() < 0.75 ? Phone(r, "MOBILE") : null;
            var opportunity = r.Double() < 0.7 ? Math.Round(LogNormal(r, 1200, 1.2, 50, 250_000), 0) : (decimal?)null;

            var honorific = r.Double() < 0.3 ? Honorific(r, gender) : null;
            var post = r.Double() < 0.5 ? Clip(f.Name.JobTitle(), 255) : null;

            w.Row();
            w.Long(_ids.Lead + i);
            w.Text(Clip(title, 255));
            w.Text(honorific);
            w.Text(Clip(name, 50));
            w.Text(Clip(lastName, 50));
            w.Text(companyTitle is null ? null : Clip(companyTitle, 255));
            w.Text(post);
            w.Text(_leadStatus[i]);
            w.Text(sourceId);
            w.Money(opportunity);
            w.Text(opportunity is null ? null : r.ArrayElement(Currencies));
            w.Long(assigned);
            w.Bool(r.Double() < 0.9);
            w.Text(r.Double() < 0.2 ? f.Lorem.Sentence() : null);
            w.Date(r.Double() < 0.15 ? DateOnly.FromDateTime(_now.AddDays(-r.Number(20 * 365, 70 * 365))) : null);
            w.Json(r.Double() < 0.2 ? JsonSerializer.Serialize(new PostalAddress(null, null, words.City(), null, f.Address.State(), null, "United States", "US"), StorageJson.Options) : null);
            Utm(w, r, f, sourceId);
            var phones = Points(phone);
            var emails = Points(email);
            var webs = companyTitle is not null && r.Double() < 0.3 ? Points(new ContactPoint($"https://{DomainOf(companyTitle, r)}", "WORK")) : EmptyJson;
            var ims = r.Double() < 0.1 ? Points(new ContactPoint($"@{login.Replace('.', '_')}", r.ArrayElement(ImTypes))) : EmptyJson;
            w.Json(phones);
            w.Json(emails);
            w.Json(webs);
            w.Json(ims);
            w.Long(deal?.ContactId);
            w.Long(deal?.CompanyId);
            w.Long(deal?.DealId);
            Audit(w, r, created, assigned);
            w.Text(Search([title, name, lastName, companyTitle], [emails, webs, ims], phones));
            Tick(i + 1);
        }
    }

    private void Utm(RowWriter w, Randomizer r, Faker f, string? sourceId)
    {
        var tracked = sourceId is "WEB" or "ADVERTISING" or "WEBFORM" or "EMAIL" && r.Double() < 0.8;
        w.Text(tracked ? r.ArrayElement(UtmSources) : null);
        w.Text(tracked ? r.ArrayElement(UtmMediums) : null);
        w.Text(tracked ? $"{r.ArrayElement(Seasons)}_{Slug(f.Commerce.ProductAdjective())}_{r.Number(_start.Year, _now.Year)}" : null);
        w.Text(tracked && r.Bool() ? r.ArrayElement(UtmContents) : null);
        w.Text(tracked && r.Bool() ? $"{f.Commerce.ProductAdjective()} {f.Commerce.Product()}".ToLowerInvariant() : null);
    }

    private void Audit(RowWriter w, Randomizer r, DateTime created, long assigned)
    {
        // Most records are last touched soon after they were made.
        var updated = Second(created + ((_now - created) * Math.Pow(r.Double(), 3)));
        w.Time(created);
        w.Time(updated);
        w.Long(assigned);
        w.Long(r.Double() < 0.7 ? assigned : Manager(r));
    }

    /// <summary>
    /// When the <paramref name="index"/>-th of <paramref name="count"/> records of a kind was made:
    /// later for higher indexes, more often recent than old (the share of all records made by a
    /// point in time grows with its square). The kind's records take the part of the time line
    /// from position <paramref name="from"/> on; <paramref name="position"/> is this record's.
    /// </summary>
    private DateTime CreatedAt(Randomizer r, int index, int count, double from, out double position)
    {
        position = from + ((1 - from) * (index + r.Double()) / count);
        return Second(_start + ((_now - _start) * Math.Sqrt(position)));
    }

    /// <summary>How many of <paramref name="count"/> records of a kind starting at <paramref name="from"/> were made before <paramref name="position"/>.</summary>
    private static int MadeBy(double position, int count, double from) =>
        position <= from ? 0 : Math.Min(count, (int)((position - from) / (1 - from) * count));

    private static DateTime Second(DateTime time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    /// <summary>The end of the part of a company's people (sorted by position) made before the <paramref name="known"/>-th contact.</summary>
    private int KnownUpTo(int from, int to, int known)
    {
        var end = Array.BinarySearch(_companyContacts, from, to - from, known);
        return end < 0 ? ~end : end;
    }

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;

    /// <summary>One of the users records go to; the first ones carry more records than the others.</summary>
    private long Manager(Randomizer r) => _assignees[Skewed(r, _assignees.Count, 1.5)];

    /// <summary>A position in [0, count) where low positions come up more often.</summary>
    private static int Skewed(Randomizer r, int count, double power) => Math.Min(count - 1, (int)(count * Math.Pow(r.Double(), power)));

    /// <summary>A log-normal amount with the given median, clipped to [min, max].</summary>
    private static decimal LogNormal(Randomizer r, double median, double sigma, double min, double max)
    {
        var gaussian = Math.Sqrt(-2 * Math.Log(1 - r.Double())) * Math.Cos(2 * Math.PI * r.Double());
        return (decimal)Math.Clamp(median * Math.Exp(sigma * gaussian), min, max);
    }

    private static ContactPoint Phone(Randomizer r, string type) => r.Number(0, 9) switch
    {
        < 8 => new ContactPoint($"+1 {r.Number(201, 989)} {r.Number(200, 999)}-{r.Number(0, 9999):D4}", type),
        8 => new ContactPoint($"+44 20 {r.Number(7000, 8999)} {r.Number(0, 9999):D4}", type),
        _ => new ContactPoint($"+49 30 {r.Number(1000000, 9999999)}", type),
    };

    private static string Points(params ContactPoint?[] points)
    {
        var present = points.Where(p => p is not null).ToArray();
        return present.Length == 0 ? EmptyJson : JsonSerializer.Serialize(present, StorageJson.Options);
    }

    /// <summary>Mr. for men, Mrs. or Ms. for women, now and then Dr.: the items of HONORIFIC that exist.</summary>
    private string? Honorific(Randomizer r, Gender gender)
    {
        var wanted = r.Double() < 0.05 ? "HNR_EN_4" : gender == Gender.Male ? "HNR_EN_1" : r.Bool() ? "HNR_EN_2" : "HNR_EN_3";
        return _lists.Honorifics.Contains(wanted) ? wanted : null;
    }

    /// <summary>"Kuhn, Gleason and Sons" → "kuhngleason.com" (the top-level domain varies).</summary>
    private static string DomainOf(string companyName, Randomizer r)
    {
        var words = companyName.Split([' ', ',', '-'], StringSplitOptions.RemoveEmptyEntries)
            .Select(Slug)
            .Where(s => s.Length > 0 && s is not ("and" or "llc" or "inc" or "group" or "sons" or "ltd"))
            .Take(2);
        var name = string.Concat(words);
        return (name.Length == 0 ? "example" : name) + r.ArrayElement(TopLevelDomains);
    }

    /// <summary>"Kuhn, Gleason and Sons" → "Kuhn": how people name a company in a title.</summary>
    private static string ShortName(string companyName)
    {
        var end = companyName.IndexOfAny([',', ' ']);
        return end > 0 ? companyName[..end] : companyName;
    }

    /// <summary>Lower-case ASCII letters and digits only.</summary>
    private static string Slug(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        return builder.ToString();
    }

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..length];

    /// <summary>
    /// Bogus's company names and addresses in Bogus's own formats, from words it gives out
    /// cheaply: its formatted values (CompanyName, StreetAddress, City) cost 5-20 µs each.
    /// </summary>
    private sealed class Words(Faker f)
    {
        private readonly string[] _companySuffixes = Enumerable.Range(0, 200).Select(_ => f.Company.CompanySuffix()).Distinct().ToArray();
        private readonly string[] _streetSuffixes = Enumerable.Range(0, 500).Select(_ => f.Address.StreetSuffix()).Distinct().ToArray();
        private readonly string[] _cities = Enumerable.Range(0, 3000).Select(_ => f.Address.City()).Distinct().ToArray();

        public string CompanyName() => f.Random.Number(0, 2) switch
        {
            0 => $"{f.Name.LastName()} {f.Random.ArrayElement(_companySuffixes)}",
            1 => $"{f.Name.LastName()} - {f.Name.LastName()}",
            _ => $"{f.Name.LastName()}, {f.Name.LastName()} and {f.Name.LastName()}",
        };

        public string StreetAddress() => $"{f.Random.Number(1, 9999)} {(f.Random.Bool() ? f.Name.LastName() : f.Name.FirstName())} {f.Random.ArrayElement(_streetSuffixes)}";

        public string SecondaryAddress() => $"{(f.Random.Bool() ? "Apt." : "Suite")} {f.Random.Number(100, 999)}";

        public string City() => f.Random.ArrayElement(_cities);
    }
}
