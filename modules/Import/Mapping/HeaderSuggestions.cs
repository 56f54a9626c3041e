using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Crm.PluginSdk.Entities;

namespace Crm.Modules.Import.Mapping;

/// <summary>
/// Suggests a column mapping from a file's headers: the headers table (<c>headers.json</c>: English,
/// Polish and Bitrix24's export headers) and the type's field labels in English and Polish (custom
/// fields' too), compared folded. A field is suggested for one column at most, except contact
/// points, which several columns may fill (a work and a mobile phone).
/// </summary>
internal static class HeaderSuggestions
{
    private static readonly Lazy<JsonObject> Table = new(() =>
    {
        using var stream = typeof(HeaderSuggestions).Assembly.GetManifestResourceStream("Crm.Modules.Import.headers.json")
            ?? throw new InvalidOperationException("The headers table is missing from the Import module.");
        return (JsonObject)JsonNode.Parse(stream)!;
    });

    public static IReadOnlyList<string?> Suggest(ICrmEntityDefinition definition, IServiceProvider services, IReadOnlyList<string> headers)
    {
        var (fields, inputOnly) = ImportTargets.Writable(definition, services);
        var byHeader = new Dictionary<string, ImportTarget>(StringComparer.Ordinal);

        void Add(string header, string target)
        {
            if (ImportTargets.Resolve(definition, fields, inputOnly, target).Target is { } resolved)
            {
                byHeader.TryAdd(Fold(header), resolved);
            }
        }

        // The type's own entries win over the shared ones, labels over neither.
        foreach (var section in new[] { definition.Name, "any" })
        {
            if (Table.Value[section] is JsonObject entries)
            {
                foreach (var (target, names) in entries)
                {
                    foreach (var name in names!.AsArray())
                    {
                        Add(name!.GetValue<string>(), target);
                    }
                }
            }
        }

        foreach (var field in fields.Values)
        {
            Add(field.Name, field.Name);
            foreach (var label in ImportTargets.LabelsOf(field))
            {
                Add(label, field.Name);
            }
        }

        var taken = new HashSet<string>(StringComparer.Ordinal);
        var suggested = new List<string?>(headers.Count);
        foreach (var header in headers)
        {
            var target = byHeader.GetValueOrDefault(Fold(header));
            var several = target?.Field?.Kind == FieldKind.ContactPoints;
            suggested.Add(target is not null && (several || taken.Add(target.Name)) ? target.Key : null);
        }

        return suggested;
    }

    /// <summary>A header without case, accents, punctuation and repeated spaces ("E-mail służbowy" = "e mail sluzbowy").</summary>
    public static string Fold(string header)
    {
        var text = new StringBuilder(header.Length);
        var space = true;
        foreach (var c in header.Replace('ł', 'l').Replace('Ł', 'L').Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsLetterOrDigit(c))
            {
                text.Append(char.ToLowerInvariant(c));
                space = false;
            }
            else if (!space)
            {
                text.Append(' ');
                space = true;
            }
        }

        return text.ToString().TrimEnd();
    }
}
