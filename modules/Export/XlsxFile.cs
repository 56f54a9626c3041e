using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using MiniExcelLibs;

namespace Crm.Modules.Export;

/// <summary>Turns the export's rows file into an XLSX workbook of one sheet, row by row (MiniExcel streams what it is given).</summary>
internal static class XlsxFile
{
    public static async Task WriteAsync(string rowsPath, string xlsxPath, CancellationToken cancellationToken)
    {
        await MiniExcel.SaveAsAsync(xlsxPath, Rows(rowsPath, cancellationToken), printHeader: false, sheetName: "Export", excelType: ExcelType.XLSX,
            overwriteFile: true, cancellationToken: cancellationToken);
    }

    /// <summary>The rows file's rows (the labels first), each keyed by its column's position (labels may repeat).</summary>
    private static IEnumerable<IDictionary<string, object?>> Rows(string rowsPath, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(rowsPath, detectEncodingFromByteOrderMarks: true);
        using var parser = new CsvParser(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        string[]? keys = null;
        while (parser.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var record = parser.Record!;
            keys ??= [.. Enumerable.Range(0, record.Length).Select(i => "c" + i.ToString(CultureInfo.InvariantCulture))];
            var row = new Dictionary<string, object?>(keys.Length, StringComparer.Ordinal);
            for (var i = 0; i < keys.Length; i++)
            {
                row[keys[i]] = i < record.Length ? record[i] : null;
            }

            yield return row;
        }
    }
}
