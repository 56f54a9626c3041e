using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Crm.PluginSdk.Data;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.GraphQL;
using Crm.PluginSdk.Records;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Modules.Duplicates.Keys;

/// <summary>
/// Which rules a record type allows, read from its declared fields (no code in its module): e-mail
/// and phone contact-point fields, a title and a reference to a company; and a record's keys by them.
/// </summary>
internal sealed class MatchKeys
{
    /// <summary>The longest key stored: a contact point holds at most 250 characters; a name key is cut here.</summary>
    public const int MaxKeyLength = 300;

    /// <summary>Bumped when keys are made differently: every type's keys are then built again at the next start.</summary>
    public const int RulesVersion = 1;

    /// <summary>A phone with fewer digits than this is too short to say anything and gets no key.</summary>
    public const int MinPhoneDigits = 5;

    public const int PhoneDigits = 9;

    /// <summary>A record linked to more companies gets name keys for the first of them only.</summary>
    public const int MaxCompaniesPerRecord = 20;

    private const string CompanyType = "company";

    private static readonly ConcurrentDictionary<ICrmEntityType, MatchKeys?> ByType = new();

    private readonly IReadOnlyList<EntityField> _emails;
    private readonly IReadOnlyList<EntityField> _phones;
    private readonly EntityField? _company;
    private readonly ICrmEntityDefinition? _titled;

    private MatchKeys(ICrmEntityType type, IEnumerable<CrmRelationDefinition> relations)
    {
        var fields = type.Fields.Values.Where(f => f.Custom is null).ToList();
        _emails = fields.Where(f => f.Kind == FieldKind.ContactPoints && f.PointKind == ContactPointKind.Email).ToList();
        _phones = fields.Where(f => f.Kind == FieldKind.ContactPoints && f.PointKind == ContactPointKind.Phone).ToList();
        _company = fields.FirstOrDefault(f => f.ReferenceType == CompanyType && f.Kind == FieldKind.Id);
        // A contact belongs to its companies through a relation's links, not a reference field.
        CompanyLinks = relations.FirstOrDefault(r => r.FromType == type.Name && r.ToType == CompanyType && r.FromInputName is not null);
        _titled = type is ICrmEntityDefinition { TitleFields.Count: > 0 } definition && (_company is not null || CompanyLinks is not null) ? definition : null;
        var rules = new List<MatchRule>();
        if (_emails.Count > 0)
        {
            rules.Add(MatchRule.Email);
        }

        if (_phones.Count > 0)
        {
            rules.Add(MatchRule.Phone);
        }

        if (_titled is not null)
        {
            rules.Add(MatchRule.NameInCompany);
        }

        Rules = rules;
        KeyFields = new HashSet<string>(
            _emails.Concat(_phones).Select(f => f.Name)
                .Concat(_titled is null ? [] : _titled.TitleFields.Select(f => f.Name))
                .Concat(_titled is null ? [] : new[] { _company?.Name, CompanyLinks?.FromInputName }.OfType<string>()),
            StringComparer.Ordinal);
    }

    /// <summary>The rules the type's fields allow (none: the type has no keys).</summary>
    public IReadOnlyList<MatchRule> Rules { get; }

    /// <summary>The published names of the fields keys are made from: an update touching none of them keeps its keys.</summary>
    public IReadOnlySet<string> KeyFields { get; }

    /// <summary>
    /// Whether an update that changed <paramref name="changed"/> (published names) leaves the
    /// record's keys as they were without reading them: no e-mail or phone changed, and the name
    /// key can be neither before nor after (the company reference, unchanged, is empty). A deal
    /// renamed without a company costs no statement.
    /// </summary>
    public bool KeepsKeys(object record, IReadOnlyCollection<string> changed) =>
        !changed.Any(KeyFields.Contains)
        || (!_emails.Concat(_phones).Any(f => changed.Contains(f.Name))
            && CompanyLinks is null
            && _company is not null && !changed.Contains(_company.Name) && _company.Get(record) is null);

    /// <summary>The relation linking the type's records to companies, when it has one (contacts' companies).</summary>
    public CrmRelationDefinition? CompanyLinks { get; }

    /// <summary>The type's rules, or null when it allows none.</summary>
    public static MatchKeys? For(ICrmEntityType? type, IServiceProvider services) =>
        type is null ? null : ByType.GetOrAdd(type, t => new MatchKeys(t, services.GetServices<ISchemaContributor>().OfType<CrmRelationDefinition>()) is { Rules.Count: > 0 } keys ? keys : null);

    /// <summary>
    /// The record's keys, each once; <paramref name="linkedCompanies"/> are the companies its
    /// relation links it to (read for the whole batch at once by the caller).
    /// </summary>
    public IReadOnlyCollection<(MatchRule Rule, string Key)> KeysOf(object record, IEnumerable<long> linkedCompanies)
    {
        var keys = new HashSet<(MatchRule, string)>();
        foreach (var field in _emails)
        {
            foreach (var point in Points(field, record))
            {
                if (Email(point.Value) is { } key)
                {
                    keys.Add((MatchRule.Email, key));
                }
            }
        }

        foreach (var field in _phones)
        {
            foreach (var point in Points(field, record))
            {
                if (Phone(point.Value) is { } key)
                {
                    keys.Add((MatchRule.Phone, key));
                }
            }
        }

        if (_titled is not null && Name(_titled.TitleOf(record)) is { } name)
        {
            var companies = _company?.Get(record) is long companyId ? linkedCompanies.Prepend(companyId) : linkedCompanies;
            foreach (var company in companies.Distinct().Take(MaxCompaniesPerRecord))
            {
                keys.Add((MatchRule.NameInCompany, Cut(company.ToString(CultureInfo.InvariantCulture) + ":" + name)));
            }
        }

        return keys;
    }

    /// <summary>
    /// The keys under <paramref name="rule"/> of the record a create <paramref name="input"/> would make
    /// (contact points as <c>[{ value }]</c>; the title from the title fields given, joined by spaces;
    /// the company from its reference or the first of the relation's ids), each once.
    /// </summary>
    public IReadOnlyCollection<string> KeysOfInput(IReadOnlyDictionary<string, object?> input, MatchRule rule)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        switch (rule)
        {
            case MatchRule.Email or MatchRule.Phone:
                foreach (var field in rule == MatchRule.Email ? _emails : _phones)
                {
                    foreach (var value in InputPoints(input.GetValueOrDefault(field.Name)))
                    {
                        if ((rule == MatchRule.Email ? Email(value) : Phone(value)) is { } key)
                        {
                            keys.Add(key);
                        }
                    }
                }

                break;
            case MatchRule.NameInCompany when _titled is not null:
                var title = string.Join(' ', _titled.TitleFields.Select(f => input.GetValueOrDefault(f.Name) as string).Where(t => !string.IsNullOrWhiteSpace(t)));
                var company = (_company is null ? null : input.GetValueOrDefault(_company.Name))
                    ?? (CompanyLinks?.FromInputName is { } links && input.GetValueOrDefault(links) is System.Collections.IEnumerable ids and not string ? ids.Cast<object?>().FirstOrDefault() : null);
                if (Name(title) is { } name && Convert.ToString(company, CultureInfo.InvariantCulture) is { Length: > 0 } companyId)
                {
                    keys.Add(Cut(companyId + ":" + name));
                }

                break;
        }

        return keys;
    }

    private static IEnumerable<string?> InputPoints(object? value) =>
        value is System.Collections.IEnumerable items and not string
            ? items.Cast<object?>().Select(i => i switch
            {
                IReadOnlyDictionary<string, object?> point => point.GetValueOrDefault("value") as string,
                IDictionary<string, object?> point => point.TryGetValue("value", out var text) ? text as string : null,
                ContactPoint point => point.Value,
                _ => null,
            })
            : [];

    /// <summary>An e-mail's key: trimmed, lower case; null when it is not an address.</summary>
    public static string? Email(string? value) =>
        value?.Trim() is { Length: > 2 } trimmed && trimmed.Contains('@', StringComparison.Ordinal) ? Cut(trimmed.ToLowerInvariant()) : null;

    /// <summary>A phone's key: its last nine digits (all of them when fewer); null below <see cref="MinPhoneDigits"/>.</summary>
    public static string? Phone(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var digits = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is >= '0' and <= '9')
            {
                digits.Append(c);
            }
        }

        return digits.Length < MinPhoneDigits ? null : digits.ToString(Math.Max(0, digits.Length - PhoneDigits), Math.Min(PhoneDigits, digits.Length));
    }

    /// <summary>A name's key: letters without case and accents (the platform's text fold), runs of spaces as one.</summary>
    public static string? Name(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var folded = TextOrder.FoldText(value.Trim())!;
        var builder = new StringBuilder(folded.Length);
        var space = false;
        foreach (var c in folded)
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space && builder.Length > 0)
            {
                builder.Append(' ');
            }

            space = false;
            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }

    private static IEnumerable<ContactPoint> Points(EntityField field, object record) =>
        field.Get(record) as IEnumerable<ContactPoint> ?? [];

    private static string Cut(string key) => key.Length <= MaxKeyLength ? key : key[..MaxKeyLength];
}
