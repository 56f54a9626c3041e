// The import's rejected-rows file (CSV: the source's header and cells, then an "Import error"
// column; UTF-8 with a byte order mark, in the source's delimiter), read back to be shown.

/** The column the host adds to each rejected row. */
export const reasonHeader = 'Import error';

const delimiters = [',', ';', '\t', '|'];

/** RFC 4180 records: quoted cells may hold the delimiter, doubled quotes and line breaks. */
export function parseCsv(text: string, delimiter: string, maxRecords: number): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length && records.length < maxRecords; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      record.push(cell);
      cell = '';
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
    } else cell += c;
  }
  if ((cell !== '' || record.length > 0) && records.length < maxRecords) {
    record.push(cell);
    records.push(record);
  }
  return records;
}

export interface RejectedRows {
  header: string[];
  rows: string[][];
}

/**
 * The header and the first rows of a rejected-rows file; the delimiter is the one whose header ends
 * with the reason column (the file is in the source's, which an XLSX source does not have).
 */
export function readRejectedRows(text: string, maxRows: number): RejectedRows {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = delimiters.find((d) => parseCsv(firstLine, d, 1)[0]?.at(-1) === reasonHeader) ?? ',';
  const [header = [], ...rows] = parseCsv(text, delimiter, maxRows + 1);
  return { header, rows };
}
