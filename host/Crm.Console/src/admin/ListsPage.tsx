import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { useI18n } from '../i18n';
import { AdminPage, UserErrors, type UserError } from './common';
import { ItemsEditor, type Item, type ItemsSource } from './ItemsEditor';

interface SelectionList {
  entityId: string;
  name: string;
  items: Item[];
}

interface Pipeline {
  id: string;
  name: string;
  sort: number;
  isDefault: boolean;
  stageListId: string;
  stages: Item[];
}

const itemFields = 'entityId id name sort color semantics system probability';
const listsQuery = `query AdminLists { selectionLists { entityId name items { ${itemFields} } } pipelines { id name sort isDefault stageListId stages { ${itemFields} } } }`;
const errors = 'errors { code message path }';
const addItem = `mutation AdminAddItem($input: AddSelectionListItemInput!) { addSelectionListItem(input: $input) { item { id } ${errors} } }`;
const updateItem = `mutation AdminUpdateItem($list: String!, $id: String!, $input: UpdateSelectionListItemInput!) { updateSelectionListItem(entityId: $list, id: $id, input: $input) { item { id } ${errors} } }`;
const removeItem = `mutation AdminRemoveItem($list: String!, $id: String!, $moveTo: String) { removeSelectionListItem(entityId: $list, id: $id, moveTo: $moveTo) { removedId ${errors} } }`;
const reorderList = `mutation AdminReorderList($list: String!, $ids: [String!]!) { reorderSelectionList(entityId: $list, ids: $ids) { list { entityId } ${errors} } }`;
const addStage = `mutation AdminAddStage($pipeline: ID!, $input: PipelineStageInput!) { addPipelineStage(pipelineId: $pipeline, input: $input) { stage { id } ${errors} } }`;
const updateStage = `mutation AdminUpdateStage($pipeline: ID!, $id: String!, $input: PipelineStageInput!) { updatePipelineStage(pipelineId: $pipeline, id: $id, input: $input) { stage { id } ${errors} } }`;
const removeStage = `mutation AdminRemoveStage($pipeline: ID!, $id: String!, $moveTo: String) { removePipelineStage(pipelineId: $pipeline, id: $id, moveTo: $moveTo) { stage { id } ${errors} } }`;
const reorderStages = `mutation AdminReorderStages($pipeline: ID!, $ids: [String!]!) { reorderPipelineStages(pipelineId: $pipeline, ids: $ids) { code message path } }`;
const renamePipeline = `mutation AdminRenamePipeline($id: ID!, $name: String!) { updatePipeline(id: $id, input: { name: $name }) { pipeline { id } ${errors} } }`;
const deletePipeline = `mutation AdminDeletePipeline($id: ID!) { deletePipeline(id: $id) { deletedId ${errors} } }`;
const createPipeline = `mutation AdminCreatePipeline($input: PipelineInput!) { createPipeline(input: $input) { pipeline { id } ${errors} } }`;

type Answer = { data?: Record<string, unknown>; error?: { message: string } };

/** The refusals of a mutation's answer: its payload's errors, or a list of errors it returns itself. */
function refusals(answer: Answer, field: string): UserError[] {
  if (answer.error) return [{ code: 'ERROR', message: answer.error.message, path: [] }];
  const value = answer.data?.[field];
  if (Array.isArray(value)) return value as UserError[];
  return ((value as { errors?: UserError[] } | undefined)?.errors ?? []) as UserError[];
}

/** Selection lists (statuses, sources, types ...) and the deal pipelines with their stages: order, colours, semantics. */
export function ListsPage() {
  const { t } = useI18n();
  const [{ data }, refetch] = useQuery<{ selectionLists: SelectionList[]; pipelines: Pipeline[] }>({ query: listsQuery, requestPolicy: 'cache-and-network' });
  const [chosen, setChosen] = useState<string>('pipeline:0');
  const [status, setStatus] = useState<string | null>(null);
  const [problems, setProblems] = useState<UserError[]>([]);
  const pickerId = useId();
  const [, add] = useMutation(addItem);
  const [, update] = useMutation(updateItem);
  const [, remove] = useMutation(removeItem);
  const [, reorder] = useMutation(reorderList);
  const [, addS] = useMutation(addStage);
  const [, updateS] = useMutation(updateStage);
  const [, removeS] = useMutation(removeStage);
  const [, reorderS] = useMutation(reorderStages);

  const pipelines = data?.pipelines ?? [];
  const stageLists = new Set(pipelines.map((p) => p.stageListId));
  const lists = (data?.selectionLists ?? []).filter((l) => !stageLists.has(l.entityId));
  const pipeline = chosen.startsWith('pipeline:') ? pipelines.find((p) => `pipeline:${p.id}` === chosen) : undefined;
  const list = chosen.startsWith('list:') ? lists.find((l) => `list:${l.entityId}` === chosen) : undefined;

  async function run(answer: Promise<Answer>, field: string) {
    const found = refusals(await answer, field);
    setProblems(found);
    if (found.length === 0) {
      setStatus(t('admin.saved'));
      refetch({ requestPolicy: 'network-only' });
    }
    return found.length === 0;
  }

  const source: ItemsSource | null = pipeline
    ? {
        items: pipeline.stages,
        stages: true,
        add: (input) => run(addS({ pipeline: pipeline.id, input }) as Promise<Answer>, 'addPipelineStage'),
        update: (id, input) => run(updateS({ pipeline: pipeline.id, id, input }) as Promise<Answer>, 'updatePipelineStage'),
        remove: (id, moveTo) => run(removeS({ pipeline: pipeline.id, id, moveTo }) as Promise<Answer>, 'removePipelineStage'),
        reorder: (ids) => run(reorderS({ pipeline: pipeline.id, ids }) as Promise<Answer>, 'reorderPipelineStages'),
      }
    : list
      ? {
          items: list.items,
          stages: list.items.some((i) => i.semantics != null),
          add: (input) => run(add({ input: { ...input, entityId: list.entityId } }) as Promise<Answer>, 'addSelectionListItem'),
          update: (id, input) => run(update({ list: list.entityId, id, input }) as Promise<Answer>, 'updateSelectionListItem'),
          remove: (id, moveTo) => run(remove({ list: list.entityId, id, moveTo }) as Promise<Answer>, 'removeSelectionListItem'),
          reorder: (ids) => run(reorder({ list: list.entityId, ids }) as Promise<Answer>, 'reorderSelectionList'),
        }
      : null;

  return (
    <AdminPage title={t('admin.lists')} status={status}>
      <div className="toolbar">
        <label htmlFor={pickerId}>{t('admin.lists.which')}</label>
        <select id={pickerId} value={chosen} onChange={(e) => { setChosen(e.target.value); setProblems([]); setStatus(null); }}>
          <optgroup label={t('admin.lists.pipelines')}>
            {pipelines.map((p) => (
              <option key={p.id} value={`pipeline:${p.id}`}>
                {p.name}
              </option>
            ))}
          </optgroup>
          <optgroup label={t('admin.lists.lists')}>
            {lists.map((l) => (
              <option key={l.entityId} value={`list:${l.entityId}`}>
                {l.name} ({l.entityId})
              </option>
            ))}
          </optgroup>
        </select>
        <NewPipeline onCreated={(id) => { refetch({ requestPolicy: 'network-only' }); setChosen(`pipeline:${id}`); setStatus(t('admin.saved')); }} />
      </div>
      <UserErrors errors={problems} />
      {pipeline && (
        <PipelineSettings
          key={pipeline.id}
          pipeline={pipeline}
          onSaved={() => { refetch({ requestPolicy: 'network-only' }); setStatus(t('admin.saved')); }}
          onDeleted={() => { refetch({ requestPolicy: 'network-only' }); setChosen('pipeline:0'); setStatus(t('admin.lists.pipelineDeleted')); }}
        />
      )}
      {source && <ItemsEditor key={chosen} source={source} />}
    </AdminPage>
  );
}

function NewPipeline({ onCreated }: { onCreated: (id: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [name, setName] = useState('');
  const [problems, setProblems] = useState<UserError[]>([]);
  const [, create] = useMutation(createPipeline);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const answer = (await create({ input: { name: name.trim() } })) as Answer;
    const found = refusals(answer, 'createPipeline');
    setProblems(found);
    const created = (answer.data?.createPipeline as { pipeline?: { id: string } } | undefined)?.pipeline;
    if (found.length === 0 && created) {
      setName('');
      onCreated(created.id);
    }
  }
  return (
    <form className="admin-row" onSubmit={submit} aria-label={t('admin.lists.newPipeline')}>
      <div className="form-field">
        <label htmlFor={`${id}-name`}>{t('admin.lists.newPipeline')}</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required />
      </div>
      <button type="submit">{t('admin.lists.create')}</button>
      <UserErrors errors={problems} />
    </form>
  );
}

/** A pipeline's name, and deleting it: the API refuses while deals are in it (or for the default one), and says why. */
function PipelineSettings({ pipeline, onSaved, onDeleted }: { pipeline: Pipeline; onSaved: () => void; onDeleted: () => void }) {
  const { t } = useI18n();
  const id = useId();
  const [name, setName] = useState(pipeline.name);
  const [problems, setProblems] = useState<UserError[]>([]);
  const [, rename] = useMutation(renamePipeline);
  const [, remove] = useMutation(deletePipeline);
  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = refusals((await rename({ id: pipeline.id, name: name.trim() })) as Answer, 'updatePipeline');
    setProblems(found);
    if (found.length === 0) onSaved();
  }
  async function drop() {
    if (!window.confirm(t('admin.lists.confirmDeletePipeline', { name: pipeline.name }))) return;
    const found = refusals((await remove({ id: pipeline.id })) as Answer, 'deletePipeline');
    setProblems(found);
    if (found.length === 0) onDeleted();
  }
  return (
    <form className="admin-row" onSubmit={submit} aria-label={t('admin.lists.pipeline')}>
      <div className="form-field">
        <label htmlFor={`${id}-name`}>{t('admin.lists.pipelineName')}</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required />
      </div>
      <button type="submit">{t('admin.lists.rename')}</button>
      {!pipeline.isDefault && (
        <button type="button" className="danger" onClick={() => void drop()}>
          {t('admin.lists.deletePipeline')}
        </button>
      )}
      <UserErrors errors={problems} />
    </form>
  );
}
