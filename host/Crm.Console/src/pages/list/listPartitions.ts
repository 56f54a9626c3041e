import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import type { EntityTypeInfo } from '../../metadata/types';

/** The most partitions (a deal's pipelines) asked of the summary: the API's most groups. */
export const maxPartitions = 200;

/** One partition of the filtered list and how many of its records are in it. */
export interface ListPartition {
  partition: string;
  count: number;
}

/**
 * The partitions (a deal's pipelines) the whole filtered list spans, with their counts: the type's
 * summary grouped by the partition field, one statement however long the list. Null while asked,
 * when not wanted, or when the answer is not whole (more than 200 partitions, or records with no
 * partition, which no filter on it can name): a stage cannot then be chosen per partition.
 */
export function useListPartitions(
  type: EntityTypeInfo,
  partitionField: string | undefined,
  wanted: boolean,
  where: Record<string, unknown> | null,
  viewId: string | null,
): ListPartition[] | null {
  const client = useClient();
  const [partitions, setPartitions] = useState<ListPartition[] | null>(null);
  const key = JSON.stringify([wanted, partitionField, where, viewId]);
  useEffect(() => {
    setPartitions(null);
    if (!wanted || !partitionField) return;
    let current = true;
    const query = `query ConsoleListPartitions($where: ${type.graphQLType}FilterInput, $viewId: ID) {
  summary: ${type.listField}Summary(where: $where, viewId: $viewId, groupBy: [${partitionField}], first: ${maxPartitions}) { groups { key count } hasMoreGroups }
}`;
    void client
      .query(query, { where, viewId }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        const summary = (result.data as { summary?: { groups: { key: (string | null)[]; count: number }[]; hasMoreGroups: boolean } } | undefined)?.summary;
        if (!current || !summary || summary.hasMoreGroups || summary.groups.some((g) => g.key[0] == null)) return;
        setPartitions(summary.groups.map((g) => ({ partition: g.key[0]!, count: g.count })));
      });
    return () => {
      current = false;
    };
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  return partitions;
}
