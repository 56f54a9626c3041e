import { useCallback, useEffect, useMemo, useState, type DragEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { Link, useLocation } from 'wouter';
import { graphql } from '../../gql';
import { useI18n } from '../../i18n';
import { recordPath, useEntityType } from '../../metadata/entityTypes';
import { PipelinesQuery } from '../../metadata/pipelines';
import { allowed } from '../../metadata/types';
import { Problem } from '../../components/Problem';

const MoveDeal = graphql(`
  mutation ConsoleMoveDeal($id: ID!, $stageId: String!) {
    updateDeal(id: $id, input: { stageId: $stageId }) {
      deal { id stageId }
      errors { code message path }
    }
  }
`);

/** Cards per column at first and per "load more"; the counts and sums are of the whole column (dealsSummary). */
const perColumn = 50;

/** Groups of (stage, currency) the summary returns: the API's most (Limits:MaxPageSize by default), many more than a pipeline's stages times its currencies. */
const summaryGroups = 200;

const ColumnPage = graphql(`
  query ConsoleBoardColumn($pipelineId: ID!, $stageId: String!, $first: Int!, $after: String) {
    deals(where: { pipelineId: { eq: $pipelineId }, stageId: { eq: $stageId } }, order: [{ updatedAt: DESC }], first: $first, after: $after) {
      nodes { id title opportunity currencyId stageId }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

interface Card {
  id: string;
  title: string;
  opportunity: number;
  currencyId: string;
  stageId: string;
}

interface Column {
  id: string;
  name: string;
  color: string | null;
  semantics: string | null;
  cards: Card[];
  cursor: string | null;
  more: boolean;
  /** Every deal of the stage the reader may read, not only the cards loaded. */
  count: number;
  /** Per currency: how many of the stage's deals are in it, and their sum. */
  sums: Map<string, Money>;
}

interface Money {
  count: number;
  sum: number;
}

interface SummaryGroup {
  key: (string | null)[];
  count: number;
  sums: { value: string | number | null }[];
}

function boardQuery(stageIds: string[]): string {
  const columns = stageIds
    .map(
      (_, i) =>
        `s${i}: deals(where: { pipelineId: { eq: $pipelineId }, stageId: { eq: $stage${i} } }, order: [{ updatedAt: DESC }], first: ${perColumn}) { nodes { id title opportunity currencyId stageId } pageInfo { hasNextPage endCursor } }`,
    )
    .join('\n');
  const variables = stageIds.map((_, i) => `$stage${i}: String!`).join(', ');
  const summary = `summary: dealsSummary(where: { pipelineId: { eq: $pipelineId } }, groupBy: [stageId, currencyId], sum: [opportunity], first: ${summaryGroups}) { groups { key count sums { value } } hasMoreGroups }`;
  return `query ConsoleBoard($pipelineId: ID!${variables ? `, ${variables}` : ''}) {\n${columns}\n${summary}\n}`;
}

/** The count and the sums per currency of each stage, from the summary's (stage, currency) groups. */
function totals(groups: SummaryGroup[]): Map<string, { count: number; sums: Map<string, Money> }> {
  const byStage = new Map<string, { count: number; sums: Map<string, Money> }>();
  for (const group of groups) {
    const [stage, currency] = group.key;
    if (stage == null) continue;
    const total = byStage.get(stage) ?? { count: 0, sums: new Map<string, Money>() };
    total.count += group.count;
    // A deal's currency is mandatory; a group without one would add nothing to show.
    if (currency != null) total.sums.set(currency, { count: group.count, sum: Number(group.sums[0]?.value ?? 0) });
    byStage.set(stage, total);
  }
  return byStage;
}

/** The column with a card taken out (sign -1) or put in (+1): its count and its currency's sum follow. */
function withCard(column: Column, card: Card, sign: 1 | -1): Column {
  const sums = new Map(column.sums);
  const money = sums.get(card.currencyId) ?? { count: 0, sum: 0 };
  const moved = { count: money.count + sign, sum: money.sum + sign * card.opportunity };
  if (moved.count <= 0) sums.delete(card.currencyId);
  else sums.set(card.currencyId, moved);
  return {
    ...column,
    count: column.count + sign,
    sums,
    cards: sign < 0 ? column.cards.filter((c) => c.id !== card.id) : [{ ...card, stageId: column.id }, ...column.cards],
  };
}

export function DealBoardPage({ params }: { params: { pipelineId?: string } }) {
  const { t } = useI18n();
  const deal = useEntityType('DEAL');
  const [pipelines] = useQuery({ query: PipelinesQuery });
  const [, navigate] = useLocation();
  if (!deal) return <p>{t('app.forbidden')}</p>;
  if (pipelines.error) return <Problem message={pipelines.error.message} />;
  const list = pipelines.data?.pipelines ?? [];
  if (!pipelines.data) return <p className="loading">{t('app.loading')}</p>;
  const pipeline = list.find((p) => p.id === params.pipelineId) ?? list.find((p) => p.isDefault) ?? list[0];
  if (!pipeline) return <p className="empty">{t('board.empty')}</p>;
  return (
    <section className="page board-page">
      <div className="page-head">
        <h1>{t('board.title')}</h1>
        <label className="inline">
          {t('board.pipeline')}
          <select value={pipeline.id} onChange={(e) => navigate(`/board/${e.target.value}`)}>
            {list.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Board key={pipeline.id} pipelineId={pipeline.id} stages={pipeline.stages} canMove={allowed(deal, 'UPDATE')} />
    </section>
  );
}

function Board({
  pipelineId,
  stages,
  canMove,
}: {
  pipelineId: string;
  stages: { id: string; name: string; color?: string | null; semantics?: string | null }[];
  canMove: boolean;
}) {
  const { t, formatMoney } = useI18n();
  const client = useClient();
  const [columns, setColumns] = useState<Column[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  /** Whether the summary left small (stage, currency) groups out: the totals are then too low. */
  const [partial, setPartial] = useState(false);
  const [dragOver, setDragOver] = useState<string | null>(null);
  const [, move] = useMutation(MoveDeal);
  const query = useMemo(() => boardQuery(stages.map((s) => s.id)), [stages]);

  const load = useCallback(async () => {
    const variables: Record<string, string> = { pipelineId };
    stages.forEach((s, i) => (variables[`stage${i}`] = s.id));
    const result = await client.query(query, variables, { requestPolicy: 'network-only' }).toPromise();
    if (result.error) {
      setError(result.error.message);
      return;
    }
    const data = result.data as Record<string, { nodes: Card[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> & {
      summary: { groups: SummaryGroup[]; hasMoreGroups: boolean };
    };
    const byStage = totals(data.summary.groups);
    setPartial(data.summary.hasMoreGroups);
    setColumns(
      stages.map((s, i) => ({
        id: s.id,
        name: s.name,
        color: s.color ?? null,
        semantics: s.semantics ?? null,
        cards: data[`s${i}`]?.nodes.map((n) => ({ ...n, opportunity: Number(n.opportunity) })) ?? [],
        cursor: data[`s${i}`]?.pageInfo.endCursor ?? null,
        more: data[`s${i}`]?.pageInfo.hasNextPage ?? false,
        count: byStage.get(s.id)?.count ?? 0,
        sums: byStage.get(s.id)?.sums ?? new Map<string, Money>(),
      })),
    );
  }, [client, query, pipelineId, stages]);

  /** The column's next cards after its last one; a card already shown (moved here meanwhile) is not shown twice. */
  async function loadMore(stageId: string) {
    const column = columns?.find((c) => c.id === stageId);
    if (!column) return;
    const result = await client
      .query(ColumnPage, { pipelineId, stageId, first: perColumn, after: column.cursor }, { requestPolicy: 'network-only' })
      .toPromise();
    if (result.error || !result.data) {
      setError(result.error?.message ?? t('app.noAnswer'));
      return;
    }
    const page = result.data.deals;
    setColumns((current) =>
      (current ?? []).map((c) => {
        if (c.id !== stageId) return c;
        const shown = new Set(c.cards.map((card) => card.id));
        const added = page.nodes.filter((n) => !shown.has(n.id)).map((n) => ({ ...n, opportunity: Number(n.opportunity) }));
        return { ...c, cards: [...c.cards, ...added], cursor: page.pageInfo.endCursor ?? c.cursor, more: page.pageInfo.hasNextPage };
      }),
    );
  }

  useEffect(() => {
    void load();
  }, [load]);

  /** Moves at once on screen; a move the API refuses goes back where it was, with the API's reason. */
  async function moveCard(cardId: string, toStage: string) {
    if (!columns) return;
    const from = columns.find((c) => c.cards.some((card) => card.id === cardId));
    const card = from?.cards.find((c) => c.id === cardId);
    if (!from || !card || from.id === toStage) return;
    const before = columns;
    setRefusal(null);
    setColumns(columns.map((c) => (c.id === from.id ? withCard(c, card, -1) : c.id === toStage ? withCard(c, card, 1) : c)));
    const result = await move({ id: cardId, stageId: toStage });
    const reason = result.error?.message ?? result.data?.updateDeal.errors[0]?.message;
    if (reason) {
      setColumns(before);
      setRefusal(t('board.refused', { reason }));
    }
  }

  if (error) return <Problem message={error} onRetry={() => void load()} />;
  if (!columns) return <p className="loading">{t('app.loading')}</p>;

  const onDrop = (e: DragEvent, stageId: string) => {
    e.preventDefault();
    setDragOver(null);
    const id = e.dataTransfer.getData('text/plain');
    if (id) void moveCard(id, stageId);
  };

  return (
    <>
      {refusal && (
        <p className="error refusal" role="alert">
          {refusal}
        </p>
      )}
      {partial && <p className="muted">{t('board.partial')}</p>}
      <div className="board" role="list">
        {columns.map((column) => {
          return (
            <section
              key={column.id}
              role="listitem"
              className={`board-column semantics-${(column.semantics ?? 'process').toLowerCase()}${dragOver === column.id ? ' drag-over' : ''}`}
              aria-label={column.name}
              data-stage={column.id}
              onDragOver={(e) => {
                if (!canMove) return;
                e.preventDefault();
                setDragOver(column.id);
              }}
              onDragLeave={() => setDragOver((s) => (s === column.id ? null : s))}
              onDrop={(e) => onDrop(e, column.id)}
            >
              <header className="board-column-head">
                {column.color && <span className="swatch" style={{ background: column.color }} aria-hidden="true" />}
                <h2>{column.name}</h2>
                <span className="board-count">{t('board.count', { count: column.count })}</span>
                <span className="board-sum">
                  {t('board.sum', { sum: [...column.sums].map(([currency, money]) => formatMoney(money.sum, currency)).join(' + ') || '0' })}
                </span>
              </header>
              <ul className="cards">
                {column.cards.map((card) => (
                  <li
                    key={card.id}
                    className="card"
                    draggable={canMove}
                    data-deal={card.id}
                    onDragStart={(e) => {
                      e.dataTransfer.setData('text/plain', card.id);
                      e.dataTransfer.effectAllowed = 'move';
                    }}
                  >
                    <Link href={recordPath('DEAL', card.id)}>{card.title}</Link>
                    <span className="num">{formatMoney(card.opportunity, card.currencyId)}</span>
                    {canMove && (
                      <select aria-label={`${t('board.moveTo')}: ${card.title}`} value={column.id} onChange={(e) => void moveCard(card.id, e.target.value)}>
                        {columns.map((c) => (
                          <option key={c.id} value={c.id}>
                            {c.name}
                          </option>
                        ))}
                      </select>
                    )}
                  </li>
                ))}
                {column.cards.length === 0 && <li className="empty">{t('board.empty')}</li>}
              </ul>
              {column.more && (
                <button type="button" className="board-more" onClick={() => void loadMore(column.id)}>
                  {t('board.more', { shown: column.cards.length, count: column.count })}
                </button>
              )}
            </section>
          );
        })}
      </div>
    </>
  );
}
