using System.Collections;
using System.Globalization;
using Crm.PluginSdk.CustomFields;
using Crm.PluginSdk.Entities;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Records;

namespace Crm.Modules.Export;

/// <summary>
/// How a field's value is written in a cell: list items by their names, money with its currency,
/// dates in ISO 8601 (times in UTC), several values joined by "; ", and text that a spreadsheet
/// would take for a formula neutralised.
/// </summary>
internal static class ExportCells
{
    /// <summary>What joins the values of a multi-value field.</summary>
    public const string Separator = "; ";

    /// <summary>The items of the selection lists a page's records name, by list and item id.</summary>
    public sealed class ListNames(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> byList)
    {
        public string? NameOf(string listId, string itemId) =>
            byList.TryGetValue(listId, out var items) && items.TryGetValue(itemId, out var name) ? name : null;

        /// <summary>Reads every list the records' list fields name, each once.</summary>
        public static async Task<ListNames> LoadAsync(ISelectionLists? lists, IReadOnlyList<EntityField> fields, IReadOnlyList<object> records, CancellationToken cancellationToken)
        {
            var byList = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
            if (lists is null)
            {
                return new ListNames(byList);
            }

            foreach (var field in fields.Where(f => f.ListOf is not null))
            {
                foreach (var record in records)
                {
                    var listId = field.ListOf!(record);
                    if (!byList.ContainsKey(listId))
                    {
                        var items = await lists.GetItemsAsync(listId, cancellationToken);
                        byList[listId] = items.GroupBy(i => i.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);
                    }
                }
            }

            return new ListNames(byList);
        }
    }

    public static string Cell(EntityField field, object record, ListNames lists)
    {
        var value = field.Get(record);
        if (value is null)
        {
            return "";
        }

        if (field.ListOf is not null && value is string itemId)
        {
            return Neutralise(lists.NameOf(field.ListOf(record), itemId) ?? itemId);
        }

        return Format(value);
    }

    private static string Format(object value) => value switch
    {
        string text => Neutralise(text),
        bool flag => flag ? "true" : "false",
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime time => DateTime.SpecifyKind(time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTimeOffset time => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        decimal number => Number(number),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        Money money => Number(money.Amount) + " " + money.Currency,
        CustomFieldItem item => Neutralise(item.Value),
        CrmRecordReference reference => reference.Key,
        ContactPoint point => Neutralise(point.Value),
        PostalAddress address => Neutralise(string.Join(", ", new[] { address.Address1, address.Address2, address.PostalCode, address.City, address.Region, address.Province, address.Country }
            .Where(p => !string.IsNullOrWhiteSpace(p)))),
        IEnumerable values => string.Join(Separator, values.Cast<object?>().Where(v => v is not null).Select(v => Format(v!))),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => Neutralise(value.ToString() ?? ""),
    };

    /// <summary>A decimal without the trailing zeros of its column's scale (PostgreSQL's numeric gives 106.0000).</summary>
    private static string Number(decimal number) => number.ToString("0.############################", CultureInfo.InvariantCulture);

    /// <summary>
    /// Text that begins with '=', '+', '-', '@', a tab or a carriage return is taken for a formula by
    /// spreadsheets (CSV injection): it is written after an apostrophe, which they show as text.
    /// Numbers are written as they are (a negative amount stays a number).
    /// </summary>
    public static string Neutralise(string text) =>
        text.Length > 0 && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + text : text;
}
