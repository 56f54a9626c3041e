using Crm.PluginSdk.Security;

namespace Crm.PluginSdk.Metadata;

/// <summary>What a record type is called, one and many, and what its permission actions are called (see <see cref="Entities.EntityBuilder{TRecord}.Label"/>).</summary>
public sealed class EntityLabels
{
    private readonly Dictionary<PermissionAction, Labels> _actions = [];

    internal EntityLabels()
    {
        foreach (var (action, english, polish) in StandardActionLabels)
        {
            Action(action).Set(Labels.English, english);
            Action(action).Set("pl", polish);
        }
    }

    /// <summary>One record (Deal, Kontakt).</summary>
    public Labels Singular { get; } = new();

    /// <summary>Many records (Deals, Kontakty).</summary>
    public Labels Plural { get; } = new();

    /// <summary>The permission actions' labels (READ, ADD ... and the type's own), as roles and buttons show them.</summary>
    public IReadOnlyDictionary<PermissionAction, Labels> Actions => _actions;

    internal Labels Action(PermissionAction action)
    {
        if (!_actions.TryGetValue(action, out var labels))
        {
            _actions[action] = labels = new Labels();
        }

        return labels;
    }

    // Bitrix24's Polish names of the permission actions, as its role editor shows them.
    private static readonly (PermissionAction Action, string English, string Polish)[] StandardActionLabels =
    [
        (PermissionAction.Read, "Read", "Odczyt"),
        (PermissionAction.Add, "Add", "Dodawanie"),
        (PermissionAction.Update, "Edit", "Edycja"),
        (PermissionAction.Delete, "Delete", "Usuwanie"),
        (PermissionAction.Export, "Export", "Eksport"),
        (PermissionAction.Import, "Import", "Import"),
    ];
}
