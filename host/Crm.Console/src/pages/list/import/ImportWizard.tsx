import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useClient } from 'urql';
import { Dialog } from '../../../components/Dialog';
// The metadata's type names are the enum's values (plugins' types included).
import type { CrmEntityType } from '../../../gql/graphql';
import { useI18n } from '../../../i18n';
import { useJob } from '../../../jobs/jobs';
import type { Lookups } from '../../../metadata/fields';
import type { Shapes } from '../../../metadata/shapes';
import type { EntityTypeInfo } from '../../../metadata/types';
import {
  PreviewImport,
  StartImport,
  UploadFile,
  delimiters,
  duplicateChoices,
  encodings,
  matchRules,
  type ApiError,
  type DuplicateChoice,
  type MatchRule,
  type Preview,
  type UploadedFile,
} from './importApi';
import { DefaultValues, MappingTable, defaultInput, importTargets, importableFields, type DefaultValue, type ImportColumn } from './ImportMapping';
import { ImportOutcome } from './ImportOutcome';
import { rememberMapping, rememberedMapping } from './mappingMemory';

/** The file's columns as the mapping names them: its headers, or 1-based numbers without a header row. */
function columnsOf(preview: Preview, hasHeaderRow: boolean, label: (n: number) => string): ImportColumn[] {
  const first = preview.rows[0] ?? [];
  if (hasHeaderRow) return preview.headers.map((h, i) => ({ key: h, label: h, sample: first[i] ?? '' }));
  const width = Math.max(0, ...preview.rows.map((r) => r.length));
  return Array.from({ length: width }, (_, i) => ({ key: String(i + 1), label: label(i + 1), sample: first[i] ?? '' }));
}

/** The API's refusals of a start, each at the part of the wizard it concerns (by its path: options.mapping.2.field ...). */
function placeErrors(errors: ApiError[], sentColumns: string[]) {
  const mapping = new Map<string, string[]>();
  const placed = { mapping, reading: [] as string[], defaults: [] as string[], duplicates: [] as string[], general: [] as string[] };
  for (const e of errors) {
    const [root, option, index] = e.path;
    const column = option === 'mapping' && index !== undefined ? sentColumns[Number(index)] : undefined;
    if (root !== 'options') placed.general.push(e.message);
    else if (column !== undefined) mapping.set(column, [...(mapping.get(column) ?? []), e.message]);
    else if (option === 'encoding' || option === 'delimiter' || option === 'hasHeaderRow') placed.reading.push(e.message);
    else if (option === 'defaults') placed.defaults.push(e.message);
    else if (option === 'duplicates' || option === 'matchBy') placed.duplicates.push(e.message);
    else placed.general.push(e.message);
  }
  return placed;
}

function Alert({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul className="error" role="alert">
      {messages.map((m, i) => (
        <li key={i}>{m}</li>
      ))}
    </ul>
  );
}

/**
 * The import wizard of any record type: a CSV or XLSX file uploaded, read as the import would
 * (encoding, delimiter and header row detected and changeable, the first rows shown), its columns
 * mapped to the type's fields (the API's suggestions chosen first), defaults, duplicates and a
 * dry run; then the job followed live, and the rows it rejected with their reasons.
 */
export function ImportWizard({ type, shapes, lookups, onClose, onImported }: { type: EntityTypeInfo; shapes: Shapes; lookups: Lookups; onClose: () => void; onImported: () => void }) {
  const { t, formatNumber } = useI18n();
  const client = useClient();
  const entityType = type.name as CrmEntityType;
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<UploadedFile | null>(null);
  const [uploading, setUploading] = useState(false);
  const [uploadErrors, setUploadErrors] = useState<string[]>([]);
  const [encoding, setEncoding] = useState('');
  const [delimiter, setDelimiter] = useState('');
  const [hasHeaderRow, setHasHeaderRow] = useState(true);
  const [detected, setDetected] = useState<{ encoding: string | null; delimiter: string | null }>({ encoding: null, delimiter: null });
  const [preview, setPreview] = useState<Preview | null>(null);
  const [readErrors, setReadErrors] = useState<string[]>([]);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [suggested, setSuggested] = useState<Record<string, string>>({});
  // Whether the mapping shown is the one last used with these headers (rather than the suggestions).
  const [recalled, setRecalled] = useState(false);
  const [defaults, setDefaults] = useState<DefaultValue[]>([]);
  const [duplicates, setDuplicates] = useState<DuplicateChoice>('CREATE');
  const [matchBy, setMatchBy] = useState<MatchRule>('EMAIL');
  const [dryRun, setDryRun] = useState(false);
  const [starting, setStarting] = useState(false);
  const [startErrors, setStartErrors] = useState<{ errors: ApiError[]; columns: string[] }>({ errors: [], columns: [] });
  const [jobId, setJobId] = useState<string | null>(null);
  const [jobDryRun, setJobDryRun] = useState(false);
  const job = useJob(jobId);
  const fields = useMemo(() => importableFields(type), [type]);

  async function sendFile() {
    if (!file) return;
    setUploading(true);
    setUploadErrors([]);
    const result = await client.mutation(UploadFile, { file }).toPromise();
    setUploading(false);
    if (result.error || !result.data) {
      setUploadErrors([result.error?.graphQLErrors[0]?.message ?? result.error?.message ?? '']);
      return;
    }
    setEncoding('');
    setDelimiter('');
    setHasHeaderRow(true);
    setUpload(result.data.uploadFile);
  }

  // The file read again whenever how it is read changes; the newest answer wins.
  const latest = useRef(0);
  useEffect(() => {
    if (!upload) return;
    const request = ++latest.current;
    void (async () => {
      const result = await client
        .query(
          PreviewImport,
          { entityType, fileId: upload.id, options: { encoding: encoding || null, delimiter: delimiter || null, hasHeaderRow } },
          { requestPolicy: 'network-only' },
        )
        .toPromise();
      if (request !== latest.current) return;
      const answer = result.data?.previewImport;
      setReadErrors([...(result.error ? [result.error.message] : []), ...(answer?.errors ?? []).map((e) => e.message)]);
      if (!answer || answer.errors.length > 0) {
        setPreview(null);
        return;
      }
      // The mapping last used with the same header row (the user's preference), read before anything shows.
      const remembered = hasHeaderRow ? await rememberedMapping(client, entityType, answer.headers) : null;
      if (request !== latest.current) return;
      setPreview(answer);
      if (!encoding) setDetected((d) => ({ ...d, encoding: answer.encoding ?? null }));
      if (!delimiter) setDetected((d) => ({ ...d, delimiter: answer.delimiter ?? null }));
      // The mapping starts from the API's suggestions each time the file is read (the columns may have changed).
      const columns = columnsOf(answer, hasHeaderRow, String);
      const byColumn: Record<string, string> = {};
      for (const s of answer.suggestedMapping) {
        const column = columns.find((c) => c.key.trim().toLowerCase() === s.column.trim().toLowerCase());
        if (column && !byColumn[column.key]) byColumn[column.key] = s.field;
      }
      setSuggested(byColumn);
      // The remembered mapping where its fields are still offered (a custom field may have gone).
      const offered = new Set(answer.targets.map((target) => target.field));
      setRecalled(!!remembered);
      setMapping(remembered ? Object.fromEntries(columns.map((c) => [c.key, offered.has(remembered[c.key] ?? '') ? remembered[c.key]! : ''])) : byColumn);
      setStartErrors({ errors: [], columns: [] });
    })();
  }, [client, entityType, upload, encoding, delimiter, hasHeaderRow]);

  const columns = useMemo(() => (preview ? columnsOf(preview, hasHeaderRow, (n) => `${t('import.column')} ${n}`) : []), [preview, hasHeaderRow, t]);
  const targets = useMemo(() => importTargets(preview?.targets ?? [], t), [preview, t]);
  const placed = placeErrors(startErrors.errors, startErrors.columns);

  async function start() {
    if (!upload) return;
    const entries = columns.filter((c) => mapping[c.key]).map((c) => ({ column: c.key, field: mapping[c.key]! }));
    const given = defaults.flatMap((d) => {
      const field = fields.find((f) => f.name === d.field);
      const value = field ? defaultInput(field, shapes, d) : null;
      return field && value !== null ? [[field.name, value] as const] : [];
    });
    setStarting(true);
    const result = await client
      .mutation(StartImport, {
        entityType,
        fileId: upload.id,
        options: {
          encoding: encoding || null,
          delimiter: delimiter || null,
          hasHeaderRow,
          mapping: entries,
          defaults: given.length > 0 ? Object.fromEntries(given) : null,
          duplicates,
          matchBy: duplicates === 'CREATE' ? null : matchBy,
          dryRun,
        },
      })
      .toPromise();
    setStarting(false);
    const payload = result.data?.startImport;
    const errors: ApiError[] = [
      ...(result.error ? [{ code: 'ERROR', message: result.error.message, path: [] }] : []),
      ...(payload?.errors ?? []).map((e) => ({ code: e.code, message: e.message, path: (e.path ?? []).map(String) })),
    ];
    setStartErrors({ errors, columns: entries.map((e) => e.column) });
    if (payload?.job) {
      // Remembered with the header row for the next file like it (a dry run's mapping too: it is the one being settled).
      if (hasHeaderRow && preview) void rememberMapping(client, entityType, preview.headers, Object.fromEntries(columns.map((c) => [c.key, mapping[c.key] ?? ''])));
      setJobDryRun(dryRun);
      setJobId(payload.job.id);
    }
  }

  /** A column mapped anew: the API's refusal of its former field no longer applies. */
  const remap = (column: string, field: string) => {
    setMapping({ ...mapping, [column]: field });
    setStartErrors(({ errors, columns: sent }) => ({
      columns: sent,
      errors: errors.filter((e) => !(e.path[0] === 'options' && e.path[1] === 'mapping' && sent[Number(e.path[2])] === column)),
    }));
  };

  const imported = useCallback(() => {
    if (!jobDryRun) onImported();
  }, [jobDryRun, onImported]);

  const detectedLabel = (value: string | null, name: (v: string) => string) => (value ? t('import.detected', { value: name(value) }) : '');
  const delimiterName = (d: string) => t(`import.delimiter.${d}` as 'import.delimiter.,');
  const ended = !!job && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.state);

  return (
    <Dialog title={t('import.title', { type: type.pluralLabel })} onClose={onClose} wide>
      {!upload && (
        <form
          className="import-file"
          onSubmit={(e) => {
            e.preventDefault();
            void sendFile();
          }}
        >
          <label className="form-field">
            <span>{t('import.file')}</span>
            <input
              type="file"
              accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              aria-invalid={uploadErrors.length > 0 || undefined}
              onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            />
          </label>
          <p className="muted">{t('import.fileHint')}</p>
          <Alert messages={uploadErrors} />
          <div className="dialog-actions">
            <button type="submit" className="primary" disabled={!file || uploading}>
              {uploading ? t('import.uploading') : t('import.upload')}
            </button>
          </div>
        </form>
      )}
      {upload && !jobId && (
        <>
          <p>
            {t('import.uploaded', { file: upload.fileName, size: `${formatNumber(Math.max(1, Math.ceil(upload.length / 1024)))} KB` })}
            {preview?.format && <span className="muted"> · {t('import.format', { format: preview.format })}</span>}
          </p>
          <fieldset className="import-reading">
            <legend>{t('import.reading')}</legend>
            {preview?.format !== 'XLSX' && (
              <>
                <label className="form-field">
                  <span>{t('import.encoding')}</span>
                  <select value={encoding} onChange={(e) => setEncoding(e.target.value)}>
                    <option value="">{detectedLabel(detected.encoding, String)}</option>
                    {encodings.map((e) => (
                      <option key={e} value={e}>
                        {e}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="form-field">
                  <span>{t('import.delimiter')}</span>
                  <select value={delimiter} onChange={(e) => setDelimiter(e.target.value)}>
                    <option value="">{detectedLabel(detected.delimiter, delimiterName)}</option>
                    {delimiters.map((d) => (
                      <option key={d} value={d}>
                        {delimiterName(d)}
                      </option>
                    ))}
                  </select>
                </label>
              </>
            )}
            <label className="check">
              <input type="checkbox" checked={hasHeaderRow} onChange={(e) => setHasHeaderRow(e.target.checked)} />
              {t('import.hasHeaderRow')}
            </label>
            <Alert messages={[...readErrors, ...placed.reading]} />
          </fieldset>
          {preview && (
            <>
              <div className="table-wrap import-preview">
                <table>
                  <caption>{t('import.preview')}</caption>
                  {hasHeaderRow && (
                    <thead>
                      <tr>
                        {preview.headers.map((h, i) => (
                          <th key={i} scope="col">
                            {h}
                          </th>
                        ))}
                      </tr>
                    </thead>
                  )}
                  <tbody>
                    {preview.rows.map((row, i) => (
                      <tr key={i}>
                        {row.map((cell, j) => (
                          <td key={j}>{cell}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {recalled && (
                <p className="import-recalled">
                  {t('import.recalled')}{' '}
                  <button
                    type="button"
                    onClick={() => {
                      setRecalled(false);
                      setMapping(suggested);
                    }}
                  >
                    {t('import.useSuggestions')}
                  </button>
                </p>
              )}
              <MappingTable columns={columns} targets={targets} mapping={mapping} suggested={suggested} errors={placed.mapping} onChange={remap} />
              <DefaultValues fields={fields} shapes={shapes} values={defaults} lookups={lookups} errors={placed.defaults} onChange={setDefaults} />
              <fieldset className="import-duplicates">
                <legend>{t('import.duplicates')}</legend>
                {duplicateChoices.map((d) => (
                  <label key={d} className="check">
                    <input type="radio" name="duplicates" value={d} checked={duplicates === d} onChange={() => setDuplicates(d)} />
                    {t(`import.duplicates.${d}`)}
                  </label>
                ))}
                {duplicates !== 'CREATE' && (
                  <label className="form-field">
                    <span>{t('import.matchBy')}</span>
                    <select value={matchBy} onChange={(e) => setMatchBy(e.target.value as MatchRule)}>
                      {matchRules.map((r) => (
                        <option key={r} value={r}>
                          {t(`import.matchBy.${r}`)}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
                <Alert messages={placed.duplicates} />
              </fieldset>
              <label className="check">
                <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} />
                {t('import.dryRun')}
              </label>
            </>
          )}
          <Alert messages={placed.general} />
          <div className="dialog-actions">
            <button
              type="button"
              onClick={() => {
                setUpload(null);
                setPreview(null);
                setDetected({ encoding: null, delimiter: null });
              }}
            >
              {t('import.newFile')}
            </button>
            <button type="button" className="primary" disabled={!preview || starting} onClick={() => void start()}>
              {dryRun ? t('import.startDryRun') : t('import.start')}
            </button>
          </div>
        </>
      )}
      {jobId && <ImportOutcome key={jobId} job={job} dryRun={jobDryRun} onEnd={imported} />}
      <div className="dialog-actions">
        {jobId && ended && (
          <button type="button" onClick={() => setJobId(null)}>
            {t('import.again')}
          </button>
        )}
        <button type="button" onClick={onClose}>
          {t('tools.close')}
        </button>
      </div>
    </Dialog>
  );
}
