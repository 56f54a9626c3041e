using System.Globalization;
using System.Text;
using Crm.Modules.Import.Mapping;
using CsvHelper;
using CsvHelper.Configuration;

namespace Crm.Modules.Import;

/// <summary>
/// The rejected rows file: the file's header and each rejected row's own cells, with one more
/// column, "Import error", saying the row, the column and the reason; UTF-8 with a byte order mark
/// (for Excel), in the source's delimiter, so that it is fixed and imported again as it is. Its
/// length is saved with each checkpoint: a resumed run cuts it back to that length.
/// </summary>
internal sealed class RejectedRows : IAsyncDisposable
{
    public const string ReasonHeader = "Import error";

    private readonly FileStream _file;
    private readonly StreamWriter _text;
    private readonly CsvWriter _csv;

    public RejectedRows(string path, long length, char delimiter)
    {
        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 64 * 1024);
        _file.SetLength(length);
        _file.Seek(0, SeekOrigin.End);
        _text = new StreamWriter(_file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 16 * 1024, leaveOpen: true);
        _csv = new CsvWriter(_text, new CsvConfiguration(CultureInfo.InvariantCulture) { Delimiter = delimiter.ToString() }, leaveOpen: true);
    }

    /// <summary>The file's length with what is written so far.</summary>
    public long Length
    {
        get
        {
            _csv.Flush();
            _text.Flush();
            return _file.Length;
        }
    }

    public void WriteHeader(string[] header)
    {
        _text.Write('\uFEFF');
        foreach (var cell in header)
        {
            _csv.WriteField(cell);
        }

        _csv.WriteField(ReasonHeader);
        _csv.NextRecord();
    }

    public void Write(string[] cells, long row, RowRejection rejection)
    {
        foreach (var cell in cells)
        {
            _csv.WriteField(cell);
        }

        var at = rejection.Column.Length == 0 ? $"Row {RowBinder.Number(row)}" : $"Row {RowBinder.Number(row)}, column '{rejection.Column}'";
        _csv.WriteField($"{at}: {rejection.Reason} ({rejection.Code})");
        _csv.NextRecord();
    }

    /// <summary>Makes what is written durable and answers the file's length.</summary>
    public long Flush()
    {
        _csv.Flush();
        _text.Flush();
        _file.Flush(flushToDisk: true);
        return _file.Length;
    }

    /// <summary>Forgets what was written after <paramref name="length"/> (rows of a batch that was rolled back).</summary>
    public void CutBack(long length)
    {
        _csv.Flush();
        _text.Flush();
        _file.SetLength(length);
        _file.Seek(0, SeekOrigin.End);
    }

    public async ValueTask DisposeAsync()
    {
        await _csv.DisposeAsync();
        await _text.DisposeAsync();
        await _file.DisposeAsync();
    }
}
