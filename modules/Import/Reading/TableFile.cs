using System.Globalization;
using System.Text;
using Crm.PluginSdk.GraphQL;
using CsvHelper;
using CsvHelper.Configuration;
using MiniExcelLibs;

namespace Crm.Modules.Import.Reading;

/// <summary>How a file is read: an XLSX workbook's first sheet, or CSV in an encoding with a delimiter.</summary>
internal sealed record TableFormat(bool Xlsx, Encoding? Encoding, char Delimiter)
{
    public string? EncodingName => Encoding is null ? null : TextDetection.NameOf(Encoding);

    public string? DelimiterName => Xlsx ? null : Delimiter == '\t' ? "TAB" : Delimiter.ToString();
}

/// <summary>A file that cannot be read as asked (an unknown encoding, a cell beyond every bound): the import refuses it with <see cref="Code"/>.</summary>
internal sealed class TableFileException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// Reads an uploaded table row by row, streaming: CSV with CsvHelper (RFC 4180: quoted delimiters
/// and newlines), XLSX with MiniExcel (the first sheet, every cell as text). Rows are numbered as
/// records of the file, the header row being row 1; blank rows are skipped.
/// </summary>
internal static class TableFile
{
    /// <summary>The delimiters an import may name.</summary>
    public static char? DelimiterNamed(string name) => name.ToUpperInvariant() switch
    {
        "," or "COMMA" => ',',
        ";" or "SEMICOLON" => ';',
        "\t" or "TAB" => '\t',
        "|" or "PIPE" => '|',
        _ => null,
    };

    /// <summary>The file's format: XLSX by its signature (a ZIP), else CSV in the encoding and delimiter given or detected.</summary>
    public static TableFormat Detect(Stream stream, string? encodingName, string? delimiterName)
    {
        var sample = new byte[TextDetection.SampleBytes];
        var length = stream.ReadAtLeast(sample, sample.Length, throwOnEndOfStream: false);
        stream.Seek(0, SeekOrigin.Begin);
        if (length >= 4 && sample[0] == 'P' && sample[1] == 'K' && sample[2] == 3 && sample[3] == 4)
        {
            return new TableFormat(true, null, ',');
        }

        var encoding = encodingName is null
            ? TextDetection.DetectEncoding(sample.AsSpan(0, length), length < sample.Length)
            : TextDetection.Named(encodingName) ?? throw new TableFileException(ErrorCodes.InvalidValue,
                $"'{encodingName}' is not an encoding an import reads: UTF-8, UTF-16LE, UTF-16BE, WINDOWS-1250 or ISO-8859-2.");
        char delimiter;
        if (delimiterName is null)
        {
            using var reader = new StreamReader(new MemoryStream(sample, 0, length), encoding, detectEncodingFromByteOrderMarks: true);
            delimiter = TextDetection.DetectDelimiter(reader.ReadToEnd());
        }
        else
        {
            delimiter = DelimiterNamed(delimiterName) ?? throw new TableFileException(ErrorCodes.InvalidValue, $"'{delimiterName}' is not a delimiter an import reads: ',', ';', TAB or '|'.");
        }

        return new TableFormat(false, encoding, delimiter);
    }

    /// <summary>The file's rows with their numbers, the header row (when there is one) included.</summary>
    public static IEnumerable<(long Number, string[] Cells)> Rows(Stream stream, TableFormat format, ImportOptions options, CancellationToken cancellationToken) =>
        format.Xlsx ? XlsxRows(stream, cancellationToken) : CsvRows(stream, format, options, cancellationToken);

    private static IEnumerable<(long, string[])> CsvRows(Stream stream, TableFormat format, ImportOptions options, CancellationToken cancellationToken)
    {
        using var text = new StreamReader(stream, format.Encoding!, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true);
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Delimiter = format.Delimiter.ToString(),
            DetectDelimiter = false,
            IgnoreBlankLines = true,
            // A stray quote inside a field is taken as text, as spreadsheets take it.
            BadDataFound = null,
            // A cell far beyond the limit is not held in memory to be rejected later: the file is refused.
            MaxFieldSize = options.MaxCellLength * 16L,
        };
        using var parser = new CsvParser(text, configuration);
        long number = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (!parser.Read())
                {
                    yield break;
                }
            }
            catch (MaxFieldSizeException)
            {
                throw new TableFileException(ErrorCodes.LimitExceeded,
                    $"Row {number + 1} has a cell longer than {options.MaxCellLength * 16L} characters, sixteen times Import:MaxCellLength ({options.MaxCellLength}); the file is not read further.");
            }

            number++;
            var cells = parser.Record!;
            if (cells.Length > 0 && !(cells.Length == 1 && cells[0].Length == 0))
            {
                yield return (number, cells);
            }
        }
    }

    private static IEnumerable<(long, string[])> XlsxRows(Stream stream, CancellationToken cancellationToken)
    {
        long number = 0;
        foreach (IDictionary<string, object?> row in MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.XLSX))
        {
            cancellationToken.ThrowIfCancellationRequested();
            number++;
            var cells = row.Values.Select(Text).ToArray();
            var used = cells.Length;
            while (used > 0 && cells[used - 1].Length == 0)
            {
                used--;
            }

            if (used > 0)
            {
                yield return (number, cells[..used]);
            }
        }
    }

    /// <summary>A workbook cell as text: numbers and dates as an import reads them (invariant, ISO 8601).</summary>
    private static string Text(object? value) => value switch
    {
        null => "",
        string text => text,
        DateTime time when time.TimeOfDay == TimeSpan.Zero => time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime time => time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        decimal number => number.ToString(CultureInfo.InvariantCulture),
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
