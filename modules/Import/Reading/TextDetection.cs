using System.Text;

namespace Crm.Modules.Import.Reading;

/// <summary>
/// Guesses a CSV file's encoding and delimiter from its first bytes when the import does not say:
/// a byte order mark (UTF-8, UTF-16), else UTF-8 when the sample decodes as strict UTF-8, else
/// Windows-1250 (what Polish Excel saves as "CSV"); the delimiter is whichever of ',', ';' and tab
/// is most common outside quotes in the first line, ',' when none is.
/// </summary>
internal static class TextDetection
{
    public const int SampleBytes = 64 * 1024;

    public static readonly char[] Delimiters = [',', ';', '\t'];

    static TextDetection() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>The encodings an import may name, by the names it takes.</summary>
    public static Encoding? Named(string name) => name.ToUpperInvariant() switch
    {
        "UTF-8" or "UTF8" => new UTF8Encoding(false),
        "UTF-16" or "UTF-16LE" or "UTF16" => Encoding.Unicode,
        "UTF-16BE" => Encoding.BigEndianUnicode,
        "WINDOWS-1250" or "CP1250" => Encoding.GetEncoding(1250),
        "ISO-8859-2" or "LATIN2" => Encoding.GetEncoding("iso-8859-2"),
        _ => null,
    };

    /// <summary>The name an encoding is reported by (one <see cref="Named"/> takes).</summary>
    public static string NameOf(Encoding encoding) => encoding.CodePage switch
    {
        65001 => "UTF-8",
        1200 => "UTF-16LE",
        1201 => "UTF-16BE",
        1250 => "WINDOWS-1250",
        28592 => "ISO-8859-2",
        _ => encoding.WebName.ToUpperInvariant(),
    };

    /// <summary>The encoding of <paramref name="sample"/>, the file's first bytes (all of them when it is shorter than <see cref="SampleBytes"/>).</summary>
    public static Encoding DetectEncoding(ReadOnlySpan<byte> sample, bool wholeFile)
    {
        if (sample.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            return new UTF8Encoding(false);
        }

        if (sample.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode;
        }

        if (sample.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode;
        }

        // A sample cut inside a character is not a reason to refuse UTF-8: its last bytes are left out.
        var checkedPart = wholeFile ? sample : sample[..WholeCharactersLength(sample)];
        try
        {
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(checkedPart);
            return new UTF8Encoding(false);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.GetEncoding(1250);
        }
    }

    /// <summary>The length of <paramref name="sample"/> without a UTF-8 sequence cut at its end.</summary>
    private static int WholeCharactersLength(ReadOnlySpan<byte> sample)
    {
        for (var back = 1; back <= Math.Min(3, sample.Length); back++)
        {
            var b = sample[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue; // a continuation byte: look further back for its lead
            }

            var needed = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return needed > back ? sample.Length - back : sample.Length;
        }

        return sample.Length;
    }

    /// <summary>The delimiter most common outside quotes in the first line of <paramref name="text"/>.</summary>
    public static char DetectDelimiter(string text)
    {
        var counts = new int[Delimiters.Length];
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is '\n' or '\r')
            {
                break;
            }
            else if (!quoted && Array.IndexOf(Delimiters, c) is var index and >= 0)
            {
                counts[index]++;
            }
        }

        var best = 0;
        for (var i = 1; i < counts.Length; i++)
        {
            if (counts[i] > counts[best])
            {
                best = i;
            }
        }

        return Delimiters[best];
    }
}
