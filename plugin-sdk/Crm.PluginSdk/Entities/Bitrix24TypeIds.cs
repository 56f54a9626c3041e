namespace Crm.PluginSdk.Entities;

/// <summary>
/// Bitrix24's numeric CRM type ids (its <c>CCrmOwnerType</c>), for the record types Bitrix24
/// has and this platform builds in. They are the only hand-picked type ids: every other record
/// type, a plugin's included, has none and is known by its name alone, so that no two modules
/// can collide on a number. A built-in module that brings another of Bitrix24's types adds its
/// id here.
/// </summary>
internal static class Bitrix24TypeIds
{
    private static readonly Dictionary<string, int> ByName = new(StringComparer.Ordinal)
    {
        ["lead"] = 1,
        ["deal"] = 2,
        ["contact"] = 3,
        ["company"] = 4,
    };

    public static int? Of(string name) => ByName.TryGetValue(name, out var id) ? id : null;
}
