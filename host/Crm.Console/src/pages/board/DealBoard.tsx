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

/** Cards per column: the newest 50 of each stage; the sum is of the cards shown (the API has no aggregate yet). */
const perColumn = 50;

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
  more: boolean;
}

function boardQuery(stageIds: string[]): string {
  const columns = stageIds
    .map(
      (_, i) =>
        `s${i}: deals(where: { pipelineId: { eq: $pipelineId }, stageId: { eq: $stage${i} } }, order: [{ updatedAt: DESC }], first: ${perColumn}) { nodes { id title opportunity currencyId stageId } pageInfo { hasNextPage } }`,
    )
    .join('\n');
  const variables = stageIds.map((_, i) => `$stage${i}: String!`).join(', ');
  return `query ConsoleBoard($pipelineId: ID!${variables ? `, ${variables}` : ''}) {\n${columns}\n}`;
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
    const data = result.data as Record<string, { nodes: Card[]; pageInfo: { hasNextPage: boolean } }>;
    setColumns(
      stages.map((s, i) => ({
        id: s.id,
        name: s.name,
        color: s.color ?? null,
        semantics: s.semantics ?? null,
        cards: data[`s${i}`]?.nodes.map((n) => ({ ...n, opportunity: Number(n.opportunity) })) ?? [],
        more: data[`s${i}`]?.pageInfo.hasNextPage ?? false,
      })),
    );
  }, [client, query, pipelineId, stages]);

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
    setColumns(
      columns.map((c) =>
        c.id === from.id ? { ...c, cards: c.cards.filter((x) => x.id !== cardId) } : c.id === toStage ? { ...c, cards: [{ ...card, stageId: toStage }, ...c.cards] } : c,
      ),
    );
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
      <div className="board" role="list">
        {columns.map((column) => {
          const sums = new Map<string, number>();
          column.cards.forEach((c) => sums.set(c.currencyId, (sums.get(c.currencyId) ?? 0) + c.opportunity));
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
                <span className="board-count">{t('board.count', { count: column.cards.length + (column.more ? '+' : '') })}</span>
                <span className="board-sum">
                  {t('board.sum', { sum: [...sums].map(([currency, sum]) => formatMoney(sum, currency)).join(' + ') || '0' })}
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
            </section>
          );
        })}
      </div>
    </>
  );
}
