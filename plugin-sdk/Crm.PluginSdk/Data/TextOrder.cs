using System.Collections.Frozen;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Crm.PluginSdk.Data;

/// <summary>
/// How text sorts, the same on both engines whatever their locale: first by its folded form
/// (letters in lower case and without their diacritics, so that "bob deal" comes before "Walsh"
/// and "Żak" after "de la Cruz"), then, among texts that fold alike, by code point ("Ann" before
/// "ann"). The fold is one table of single characters (ASCII, Latin-1, Latin Extended-A, Greek,
/// Cyrillic), applied by <c>translate()</c> on PostgreSQL (<c>platform.crm_fold</c>, IMMUTABLE,
/// which expression indexes may use) and by the same table in .NET on SQLite, where it is a
/// function registered on each connection and never part of an index: an index on it would
/// break writes from any program that opens the file without it. Changing the table needs a
/// migration that replaces the PostgreSQL function and rebuilds the indexes on it.
/// </summary>
public static class TextOrder
{
    public const string FoldName = "crm_fold";

    /// <summary>Lower-cases for case-insensitive matching on SQLite, whose own lower() knows ASCII only.</summary>
    public const string LowerName = "crm_lower";

    // Each character of Latin-1 (U+00C0..U+00FF) and Latin Extended-A (U+0100..U+017F), folded.
    private const string Latin1 = "aaaaaaaceeeeiiiidnooooo\u00D7ouuuuytsaaaaaaaceeeeiiiidnooooo\u00F7ouuuuyty";
    private const string LatinExtendedA =
        "aaaaaa" + "cccccccc" + "dddd" + "eeeeeeeeee" + "gggggggg" + "hhhh" + "iiiiiiiiiiii" + "jj" + "kkk" + "llllllllll"
        + "nnnnnnnnn" + "oooooooo" + "rrrrrr" + "ssssssss" + "tttttt" + "uuuuuuuuuuuu" + "ww" + "yyy" + "zzzzzz" + "s";

    private static readonly FrozenDictionary<char, char> Fold = BuildFold();

    /// <summary>The characters the fold changes, and what each becomes (for <c>translate()</c>).</summary>
    public static string FoldFrom { get; } = new(Fold.Keys.Order().ToArray());

    /// <inheritdoc cref="FoldFrom"/>
    public static string FoldTo { get; } = new(Fold.Keys.Order().Select(c => Fold[c]).ToArray());

    /// <summary>The folded form that text sorts by first (null stays null).</summary>
    public static string? FoldText(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(Fold.GetValueOrDefault(c, c));
        }

        return builder.ToString();
    }

    /// <summary>
    /// Characters the fold keeps, most of any name or e-mail: mapped to themselves ahead of the
    /// table. PostgreSQL's <c>translate()</c> looks each character up from the start of its list
    /// and stops at the first match, so without them every lower-case letter walked the whole
    /// table of 300 (a contact import spent a tenth of the server's time there); same result.
    /// </summary>
    private const string KeptFirst = "abcdefghijklmnopqrstuvwxyz0123456789 .-@_";

    /// <summary>The PostgreSQL function, for the platform's migrations.</summary>
    public static string PostgresDefinition =>
        $"""
        CREATE OR REPLACE FUNCTION platform.crm_fold(t text)
        RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT translate(t, '{KeptFirst}{FoldFrom}', '{KeptFirst}{FoldTo}')
        $$;
        """;

    /// <summary>Gives a SQLite connection the functions (the platform's connections get them on opening).</summary>
    public static void Register(SqliteConnection connection)
    {
        connection.CreateFunction<string?, string?>(FoldName, FoldText, isDeterministic: true);
        connection.CreateFunction<string?, string?>(LowerName, text => text?.ToLowerInvariant(), isDeterministic: true);
    }

    private static FrozenDictionary<char, char> BuildFold()
    {
        if (Latin1.Length != 0x40 || LatinExtendedA.Length != 0x80)
        {
            throw new InvalidOperationException("The fold table is one character per code point.");
        }

        var fold = new Dictionary<char, char>();
        void Add(int from, char to)
        {
            if ((char)from != to)
            {
                fold[(char)from] = to;
            }
        }

        for (var c = 'A'; c <= 'Z'; c++)
        {
            Add(c, char.ToLowerInvariant(c));
        }

        for (var i = 0; i < Latin1.Length; i++)
        {
            Add(0xC0 + i, Latin1[i]);
        }

        for (var i = 0; i < LatinExtendedA.Length; i++)
        {
            Add(0x100 + i, LatinExtendedA[i]);
        }

        // Greek capitals to small letters (U+03A2 is unassigned), tonos dropped, final sigma as sigma.
        for (var c = 0x391; c <= 0x3A9; c++)
        {
            if (c != 0x3A2)
            {
                Add(c, (char)(c + 0x20));
            }
        }

        foreach (var (from, to) in new[] { (0x386, 'α'), (0x388, 'ε'), (0x389, 'η'), (0x38A, 'ι'), (0x38C, 'ο'), (0x38E, 'υ'), (0x38F, 'ω'),
                     (0x3AC, 'α'), (0x3AD, 'ε'), (0x3AE, 'η'), (0x3AF, 'ι'), (0x3CC, 'ο'), (0x3CD, 'υ'), (0x3CE, 'ω'), (0x3C2, 'σ') })
        {
            Add(from, to);
        }

        // Cyrillic capitals to small letters; Ё and ё as е, where Russian sorts them.
        for (var c = 0x410; c <= 0x42F; c++)
        {
            Add(c, (char)(c + 0x20));
        }

        for (var c = 0x400; c <= 0x40F; c++)
        {
            Add(c, (char)(c + 0x50));
        }

        Add(0x401, 'е');
        Add(0x451, 'е');
        // A kept character the table also changed would be looked up first and left as it is.
        if (KeptFirst.Any(fold.ContainsKey))
        {
            throw new InvalidOperationException("A character the fold keeps is in its table.");
        }

        return fold.ToFrozenDictionary();
    }
}
