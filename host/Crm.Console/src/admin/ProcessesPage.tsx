import { useCallback, useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { addEdge, Background, Controls, ReactFlow, useEdgesState, useNodesState, type Connection, type Edge, type Node, type ReactFlowInstance } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useI18n } from '../i18n';
import { AdminPage, UserErrors, useAdminTypes, type UserError } from './common';
import { refusalsOf, type Answer } from './mutations';
import { parseJson } from './json';
import { CodeEditor, type Completion } from './CodeEditor';
import { useCompletionSources } from './completionSources';
import { jsonCaretAt } from './jsonCaret';
import { processStepCompletions } from './processStepCompletion';
import { arrange, fromFlow, starterGraph, stepKinds, toFlow, type ProcessGraph, type StepData } from './processGraph';

interface ProcessVersion {
  version: number;
  name: string;
  start: string;
  graph: ProcessGraph;
}

interface Process {
  id: string;
  entityType: string;
  active: ProcessVersion | null;
  draft: ProcessVersion | null;
}

const versionFields = 'version name start graph';
const processesQuery = `query AdminProcesses { businessProcesses { id entityType active { ${versionFields} } draft { ${versionFields} } } }`;
const payload = `process { id } errors { code message path }`;
const createProcess = `mutation AdminCreateProcess($type: CrmEntityType!, $input: BusinessProcessInput!) { createBusinessProcess(entityType: $type, input: $input) { ${payload} } }`;
const updateProcess = `mutation AdminUpdateProcess($id: ID!, $input: BusinessProcessInput!) { updateBusinessProcess(id: $id, input: $input) { ${payload} } }`;
const activateProcess = `mutation AdminActivateProcess($id: ID!) { activateBusinessProcess(id: $id) { ${payload} } }`;

/** Business processes: a graph of steps and edges drawn with React Flow, saved as the JSON the API validates. */
export default function ProcessesPage() {
  const { t } = useI18n();
  const types = useAdminTypes();
  const [{ data }, refetch] = useQuery<{ businessProcesses: Process[] }>({ query: processesQuery, requestPolicy: 'cache-and-network' });
  const [selected, setSelected] = useState<string | null>(null);
  const [editorKey, setEditorKey] = useState(0);
  const processes = data?.businessProcesses ?? [];
  const process = processes.find((p) => p.id === selected) ?? null;
  const open = (id: string | null) => {
    setSelected(id);
    setEditorKey((k) => k + 1);
  };
  return (
    <AdminPage title={t('admin.processes')}>
      <div className="admin-columns roles-columns">
        <ProcessEditor
          key={editorKey}
          process={process}
          processes={processes.map((p) => ({ id: p.id, name: (p.draft ?? p.active)?.name ?? p.id, entityType: p.entityType }))}
          types={types.map((type) => ({ name: type.name, label: type.pluralLabel }))}
          onSaved={(id) => {
            setSelected(id);
            refetch({ requestPolicy: 'network-only' });
          }}
        />
        <nav className="admin-panel" aria-label={t('admin.processes')}>
          <h2>{t('admin.processes')}</h2>
          <ul className="rule-list">
            <li>
              <button type="button" aria-current={selected === null} onClick={() => open(null)}>
                + {t('admin.proc.new')}
              </button>
            </li>
            {processes.map((p) => (
              <li key={p.id}>
                <button type="button" aria-current={selected === p.id} onClick={() => open(p.id)}>
                  {(p.draft ?? p.active)?.name ?? p.id} <span className="badge">{p.active ? 'ACTIVE' : 'DRAFT'}</span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
      </div>
    </AdminPage>
  );
}

function ProcessEditor({
  process,
  processes,
  types,
  onSaved,
}: {
  process: Process | null;
  processes: { id: string; name: string; entityType: string }[];
  types: { name: string; label: string }[];
  onSaved: (id: string) => void;
}) {
  const { t } = useI18n();
  const ids = useId();
  const version = process?.draft ?? process?.active ?? null;
  const initial = toFlow(version?.graph ?? starterGraph);
  const [nodes, setNodes, onNodesChange] = useNodesState<Node<StepData>>(initial.nodes);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>(initial.edges);
  const [name, setName] = useState(version?.name ?? t('admin.proc.new'));
  const [start, setStart] = useState(version?.start ?? 'MANUAL');
  const [entityType, setEntityType] = useState(process?.entityType ?? 'DEAL');
  const [chosen, setChosen] = useState<string | null>(null);
  const [flow, setFlow] = useState<ReactFlowInstance<Node<StepData>, Edge> | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [problems, setProblems] = useState<UserError[]>([]);
  const [, create] = useMutation(createProcess);
  const [, update] = useMutation(updateProcess);
  const [, activate] = useMutation(activateProcess);
  const onConnect = useCallback((c: Connection) => setEdges((es) => addEdge({ ...c, data: { when: null } }, es)), [setEdges]);
  const step = nodes.find((n) => n.id === chosen)?.data.step ?? null;
  const sources = useCompletionSources(['admin.proc', 'admin.rules']);

  async function save() {
    const input = { name: name.trim(), start, graph: fromFlow(nodes, edges) };
    const answer = (process ? await update({ id: process.id, input }) : await create({ type: entityType, input })) as Answer;
    const field = process ? 'updateBusinessProcess' : 'createBusinessProcess';
    const found = refusalsOf(answer, field);
    setProblems(found);
    if (found.length === 0) {
      setStatus(t('admin.saved'));
      const saved = (answer.data?.[field] as { process?: { id: string } } | undefined)?.process;
      if (saved) onSaved(saved.id);
    } else setStatus(null);
  }

  function addStep(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const id = String(form.get('id') ?? '').trim();
    const kind = String(form.get('kind') ?? 'action');
    if (!id || nodes.some((n) => n.id === id)) return;
    const y = Math.max(0, ...nodes.map((n) => n.position.y)) + 120;
    const added = toFlow({ steps: [{ id, kind, params: {}, position: { x: 220, y } }], edges: [] }).nodes;
    setNodes([...nodes, ...added]);
    setChosen(id);
    e.currentTarget.reset();
  }

  function connect(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const from = String(form.get('from'));
    const to = String(form.get('to'));
    const when = String(form.get('when') ?? '').trim() || null;
    setEdges(addEdge({ id: `e-${from}-${to}-${Date.now()}`, source: from, target: to, label: when ?? undefined, data: { when } }, edges));
  }

  /** Every step placed anew, layer by layer down the page (saved with the graph, as positions the editor gives). */
  function arrangeSteps() {
    const at = new Map(arrange(fromFlow(nodes, edges)).steps.map((s) => [s.id, s.position]));
    setNodes(nodes.map((n) => ({ ...n, position: at.get(n.id) ?? n.position })));
    // Once drawn where they now stand.
    requestAnimationFrame(() => void flow?.fitView());
  }

  function setStep(patch: { name?: string; params?: Record<string, unknown> }) {
    setNodes(nodes.map((n) => (n.id === chosen ? { ...n, data: { ...n.data, step: { ...n.data.step, ...patch } } } : n)));
  }

  return (
    <div className="form-grid">
      <p role="status" className="admin-status">
        {status ?? ''}
      </p>
      <div className="admin-panel admin-row">
        <div className="form-field">
          <label htmlFor={`${ids}-name`}>{t('admin.proc.name')}</label>
          <input id={`${ids}-name`} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="form-field">
          <label htmlFor={`${ids}-type`}>{t('admin.recordType')}</label>
          <select id={`${ids}-type`} value={entityType} disabled={process !== null} onChange={(e) => setEntityType(e.target.value)}>
            {types.map((type) => (
              <option key={type.name} value={type.name}>
                {type.label}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label htmlFor={`${ids}-start`}>{t('admin.proc.start')}</label>
          <select id={`${ids}-start`} value={start} onChange={(e) => setStart(e.target.value)}>
            {['MANUAL', 'ON_CREATE', 'ON_UPDATE'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="primary" onClick={save}>
          {t('admin.save')}
        </button>
        <button type="button" onClick={arrangeSteps}>
          {t('admin.proc.arrange')}
        </button>
        {process?.draft && (
          <button
            type="button"
            onClick={async () => {
              const found = refusalsOf((await activate({ id: process.id })) as Answer, 'activateBusinessProcess');
              setProblems(found);
              if (found.length === 0) {
                setStatus(t('admin.proc.activated'));
                onSaved(process.id);
              }
            }}
          >
            {t('admin.rules.activate')}
          </button>
        )}
      </div>
      <UserErrors errors={problems} />
      <div className="process-canvas" aria-label={t('admin.proc.graph')} role="group">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          onNodeClick={(_, node) => setChosen(node.id)}
          onInit={setFlow}
          fitView
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls />
        </ReactFlow>
      </div>
      <div className="admin-columns">
        <div className="admin-panel form-grid">
          <form className="admin-row" onSubmit={addStep} aria-label={t('admin.proc.addStep')}>
            <div className="form-field">
              <label htmlFor={`${ids}-step-id`}>{t('admin.proc.stepId')}</label>
              <input id={`${ids}-step-id`} name="id" pattern="[A-Za-z0-9_\-]{1,64}" required />
            </div>
            <div className="form-field">
              <label htmlFor={`${ids}-step-kind`}>{t('admin.proc.kind')}</label>
              <select id={`${ids}-step-kind`} name="kind" defaultValue="action">
                {stepKinds.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit">{t('admin.proc.addStep')}</button>
          </form>
          <form className="admin-row" onSubmit={connect} aria-label={t('admin.proc.connect')}>
            <div className="form-field">
              <label htmlFor={`${ids}-from`}>{t('admin.proc.from')}</label>
              <select id={`${ids}-from`} name="from">
                {nodes.map((n) => (
                  <option key={n.id}>{n.id}</option>
                ))}
              </select>
            </div>
            <div className="form-field">
              <label htmlFor={`${ids}-to`}>{t('admin.proc.to')}</label>
              <select id={`${ids}-to`} name="to">
                {nodes.map((n) => (
                  <option key={n.id}>{n.id}</option>
                ))}
              </select>
            </div>
            <div className="form-field">
              <label htmlFor={`${ids}-when`}>{t('admin.proc.when')}</label>
              <input id={`${ids}-when`} name="when" placeholder="true, false, approved …" />
            </div>
            <button type="submit">{t('admin.proc.connect')}</button>
          </form>
          <ul className="edge-list" aria-label={t('admin.proc.edges')}>
            {edges.map((e) => {
              const when = (e.data as { when?: string | null } | undefined)?.when;
              const text = `${e.source} → ${e.target}${when ? ` (${when})` : ''}`;
              return (
                <li key={e.id}>
                  {text}{' '}
                  <button type="button" aria-label={t('admin.proc.removeEdge', { edge: text })} onClick={() => setEdges(edges.filter((x) => x.id !== e.id))}>
                    ✕
                  </button>
                </li>
              );
            })}
          </ul>
        </div>
        {step && <StepForm key={step.id} step={step} onChange={setStep} complete={(text, caret) => {
          const at = jsonCaretAt(text, caret);
          if (!at) return null;
          const context = { steps: nodes.map((n) => ({ id: n.id, kind: n.data.step.kind })), processes: processes.filter((p) => p.entityType === entityType && p.id !== process?.id) };
          return { from: at.from, to: at.to, options: processStepCompletions(at, step.kind, sources(entityType), context) };
        }} onRemove={() => {
          setNodes(nodes.filter((n) => n.id !== step.id));
          setEdges(edges.filter((e) => e.source !== step.id && e.target !== step.id));
          setChosen(null);
        }} />}
      </div>
    </div>
  );
}

function StepForm({
  step,
  onChange,
  onRemove,
  complete,
}: {
  step: StepData['step'];
  onChange: (patch: { name?: string; params?: Record<string, unknown> }) => void;
  onRemove: () => void;
  complete: (text: string, caret: number) => Completion | null;
}) {
  const { t } = useI18n();
  const id = useId();
  const [params, setParams] = useState(JSON.stringify(step.params ?? {}, null, 2));
  const [error, setError] = useState<string | null>(null);
  return (
    <form className="admin-panel form-grid" aria-label={t('admin.proc.stepOf', { id: step.id })} onSubmit={(e) => e.preventDefault()}>
      <h2>{t('admin.proc.stepOf', { id: step.id })} · {step.kind}</h2>
      <div className="form-field">
        <label htmlFor={`${id}-name`}>{t('admin.proc.stepName')}</label>
        <input id={`${id}-name`} defaultValue={step.name ?? ''} onChange={(e) => onChange({ name: e.target.value || undefined })} />
      </div>
      <div className="form-field">
        <label htmlFor={`${id}-params`}>{t('admin.proc.params')}</label>
        <small id={`${id}-help`} className="muted">
          {t('admin.proc.paramsHelp')}
        </small>
        <CodeEditor
          id={`${id}-params`}
          compact
          value={params}
          marks={[]}
          describedBy={`${id}-help`}
          complete={complete}
          completionLabel={t('admin.rules.completions')}
          onChange={(value) => {
            setParams(value);
            const parsed = parseJson(value);
            if ('error' in parsed) setError(t('admin.rules.jsonError', { line: parsed.line, column: parsed.column, message: parsed.error }));
            else {
              setError(null);
              onChange({ params: (parsed.value ?? {}) as Record<string, unknown> });
            }
          }}
        />
        {error && <p className="error">{error}</p>}
      </div>
      {step.kind !== 'start' && (
        <button type="button" onClick={onRemove}>
          {t('admin.proc.removeStep')}
        </button>
      )}
    </form>
  );
}
