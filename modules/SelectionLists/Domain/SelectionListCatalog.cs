using System.Collections.Frozen;
using System.Globalization;
using Crm.PluginSdk.Lists;
using Crm.PluginSdk.Modules;
using Microsoft.Extensions.Logging;

namespace Crm.Modules.SelectionLists.Domain;

/// <summary>A list as declared: its declaration, and for a family's member list its number (DEAL_STAGE_3 is 3).</summary>
public sealed record DeclaredList(SelectionListDeclaration Declaration, int? Member)
{
    public string Name => Member is { } n && Declaration.MemberName is { } name ? name(n) : Declaration.Name;

    /// <summary>What every item id of the list starts with ("C3:" for a pipeline's stages); empty for most lists.</summary>
    public string ItemPrefix => Member is { } n && Declaration.MemberItemPrefix is { } prefix ? prefix(n) : "";
}

/// <summary>
/// The selection lists every loaded module declares (<see cref="ISelectionListDeclarations"/>):
/// what a list is called and what its items carry. A list two modules declare is the first one's,
/// with a warning.
/// </summary>
public sealed class SelectionListCatalog : ISingletonService
{
    private readonly ILogger<SelectionListCatalog> _logger;
    private readonly Lock _addLock = new();

    // Swapped whole when a plugin installed at run time declares lists: readers keep the one they took.
    private FrozenDictionary<string, SelectionListDeclaration> _lists;

    public SelectionListCatalog(IEnumerable<ISelectionListDeclarations> declarations, ILogger<SelectionListCatalog> logger)
    {
        _logger = logger;
        _lists = Declare(new Dictionary<string, SelectionListDeclaration>(StringComparer.Ordinal), declarations);
    }

    /// <summary>Takes the lists of a plugin loaded at run time (those it declares again stay the first declaration's).</summary>
    public void Add(IEnumerable<ISelectionListDeclarations> declarations)
    {
        lock (_addLock)
        {
            Volatile.Write(ref _lists, Declare(new Dictionary<string, SelectionListDeclaration>(_lists, StringComparer.Ordinal), declarations));
        }
    }

    private FrozenDictionary<string, SelectionListDeclaration> Declare(Dictionary<string, SelectionListDeclaration> lists, IEnumerable<ISelectionListDeclarations> declarations)
    {
        foreach (var declaration in declarations.SelectMany(d => d.SelectionLists))
        {
            if (declaration.Id.Length is 0 or > SelectionListDeclaration.MaxIdLength || !declaration.Id.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                _logger.LogWarning("The selection list '{List}' is not declared: its id must be 1 to {Max} upper-case letters, digits and '_'.", declaration.Id, SelectionListDeclaration.MaxIdLength);
            }
            else if (!lists.TryAdd(declaration.Id, declaration))
            {
                _logger.LogWarning("The selection list {List} is declared twice; the first declaration counts.", declaration.Id);
            }
        }

        return lists.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The declared lists (a family's head, not its members).</summary>
    public IEnumerable<SelectionListDeclaration> Declared => Volatile.Read(ref _lists).Values;

    /// <summary>The declaration a list id belongs to: its own, or its family's (DEAL_STAGE_3); null for an unknown id.</summary>
    public DeclaredList? Find(string entityId)
    {
        var lists = Volatile.Read(ref _lists);
        if (lists.TryGetValue(entityId, out var own))
        {
            return new DeclaredList(own, null);
        }

        var separator = entityId.LastIndexOf('_');
        return separator > 0
            && lists.TryGetValue(entityId[..separator], out var family) && family.IsFamily
            && int.TryParse(entityId.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var member) && member > 0
                ? new DeclaredList(family, member)
                : null;
    }
}
