namespace Crm.PluginSdk.Metadata;

/// <summary>
/// The groups a record page shows fields in (<see cref="Entities.EntityField.Group"/>), with
/// their labels. A module may name a group of its own (<see cref="Entities.FieldBuilder.InGroup"/>);
/// its label is then the readable form of the name.
/// </summary>
public static class FieldGroups
{
    /// <summary>What the record is about: the default.</summary>
    public const string Main = "main";

    /// <summary>Phones, e-mails, web sites, messengers and addresses.</summary>
    public const string Contact = "contact";

    /// <summary>The admin's custom fields.</summary>
    public const string Custom = "custom";

    /// <summary>The id, when and by whom the record was created and changed.</summary>
    public const string System = "system";

    private static readonly Dictionary<string, Labels> Known = new(StringComparer.Ordinal)
    {
        [Main] = Make("About", "O rekordzie"),
        [Contact] = Make("Contact details", "Dane kontaktowe"),
        [Custom] = Make("More", "Pola niestandardowe"),
        [System] = Make("System", "Informacje systemowe"),
    };

    /// <summary>The label of <paramref name="group"/> in <paramref name="language"/>.</summary>
    public static string Label(string group, string language) =>
        Known.TryGetValue(group, out var labels) ? labels.In(language, group) : Labels.Readable(group);

    /// <summary>The languages the groups are labelled in.</summary>
    internal static IEnumerable<string> Languages => Known.Values.SelectMany(l => l.Texts.Keys);

    private static Labels Make(string english, string polish)
    {
        var labels = new Labels();
        labels.Set(Labels.English, english);
        labels.Set("pl", polish);
        return labels;
    }
}
