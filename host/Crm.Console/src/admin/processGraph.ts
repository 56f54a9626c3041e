import type { Edge, Node } from '@xyflow/react';

/** The graph as the API takes it (README, Business processes): steps with the editor's positions, and labelled edges. */
export interface ProcessStep {
  id: string;
  kind: string;
  name?: string;
  params?: Record<string, unknown>;
  position?: { x: number; y: number };
}

export interface ProcessEdge {
  from: string;
  to: string;
  when?: string | null;
}

export interface ProcessGraph {
  steps: ProcessStep[];
  edges: ProcessEdge[];
}

export const stepKinds = ['start', 'end', 'action', 'script', 'if', 'switch', 'split', 'join', 'loop', 'subProcess', 'wait', 'approval'] as const;

export const starterGraph: ProcessGraph = {
  steps: [
    { id: 'start', kind: 'start', position: { x: 0, y: 0 } },
    { id: 'end', kind: 'end', position: { x: 0, y: 240 } },
  ],
  edges: [{ from: 'start', to: 'end' }],
};

export type StepData = { step: ProcessStep; label: string };

/** The API's graph as React Flow's nodes and edges (a step without a position is placed down the page). */
export function toFlow(graph: ProcessGraph): { nodes: Node<StepData>[]; edges: Edge[] } {
  return {
    nodes: graph.steps.map((step, i) => ({
      id: step.id,
      position: step.position ?? { x: 0, y: i * 120 },
      data: { step, label: step.name ? `${step.name} (${step.kind})` : `${step.id} (${step.kind})` },
      type: step.kind === 'start' ? 'input' : step.kind === 'end' ? 'output' : 'default',
    })),
    edges: graph.edges.map((e, i) => ({ id: `e${i}-${e.from}-${e.to}`, source: e.from, target: e.to, label: e.when ?? undefined, data: { when: e.when ?? null } })),
  };
}

/** React Flow's nodes and edges back as the JSON the API validates; positions kept as the editor's. */
export function fromFlow(nodes: Node<StepData>[], edges: Edge[]): ProcessGraph {
  return {
    steps: nodes.map((n) => ({
      ...n.data.step,
      id: n.id,
      params: n.data.step.params ?? {},
      position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
    })),
    edges: edges.map((e) => {
      const when = (e.data as { when?: string | null } | undefined)?.when;
      return when ? { from: e.source, to: e.target, when } : { from: e.source, to: e.target };
    }),
  };
}

/** The room a step takes when arranged: the distance between layers, and between steps of one layer. */
export const layerGap = 120;
export const columnGap = 220;

/**
 * Positions for every step, drawn down the page: each step one layer below the lowest step that
 * leads to it (the longest path from a start), so that every edge points down, but a loop's way
 * back; within a layer, steps ordered by where the steps leading to them stand (fewer crossings),
 * the layer centred. Linear in steps and edges: the API bounds both.
 */
export function arrange(graph: ProcessGraph): ProcessGraph {
  const ids = graph.steps.map((s) => s.id);
  const targets = new Map(ids.map((id) => [id, [] as string[]]));
  const entered = new Set<string>();
  for (const e of graph.edges) {
    if (targets.has(e.from) && targets.has(e.to)) {
      targets.get(e.from)!.push(e.to);
      entered.add(e.to);
    }
  }

  // A depth-first walk from the starts (then from steps nothing leads to, then any left: a cycle of
  // its own): an edge back to a step still on the walk closes a loop and is left out of the layering.
  // Each step's edges taken last to first: the reverse post-order then keeps their own order (a true branch left of its false).
  for (const out of targets.values()) out.reverse();
  const forward = new Map(ids.map((id) => [id, [] as string[]]));
  const finished: string[] = [];
  const seen = new Map<string, 'open' | 'done'>();
  const roots = [...graph.steps.filter((s) => s.kind === 'start').map((s) => s.id), ...ids.filter((id) => !entered.has(id)), ...ids];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.set(root, 'open');
    const stack = [{ id: root, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const out = targets.get(top.id)!;
      if (top.next < out.length) {
        const to = out[top.next++]!;
        const state = seen.get(to);
        if (state === 'open') continue;
        forward.get(top.id)!.push(to);
        if (!state) {
          seen.set(to, 'open');
          stack.push({ id: to, next: 0 });
        }
      } else {
        seen.set(top.id, 'done');
        finished.push(top.id);
        stack.pop();
      }
    }
  }

  // Reverse post-order is an order in which every forward edge points ahead: the longest path in one pass.
  const order = finished.reverse();
  const layer = new Map(ids.map((id) => [id, 0]));
  for (const id of order) {
    for (const to of forward.get(id)!) layer.set(to, Math.max(layer.get(to)!, layer.get(id)! + 1));
  }

  const sources = new Map(ids.map((id) => [id, [] as string[]]));
  for (const id of ids) for (const to of forward.get(id)!) sources.get(to)!.push(id);
  const layers: string[][] = [];
  for (const id of order) (layers[layer.get(id)!] ??= []).push(id);
  const rank = new Map<string, number>();
  const position = new Map<string, { x: number; y: number }>();
  layers.forEach((members, depth) => {
    const mean = (id: string) => {
      const from = sources.get(id)!.filter((s) => rank.has(s));
      return from.length === 0 ? Number.POSITIVE_INFINITY : from.reduce((sum, s) => sum + rank.get(s)!, 0) / from.length;
    };
    const placed = depth === 0 ? members : [...members].sort((a, b) => (mean(a) === mean(b) ? 0 : mean(a) < mean(b) ? -1 : 1));
    placed.forEach((id, i) => {
      rank.set(id, i);
      position.set(id, { x: Math.round((i - (placed.length - 1) / 2) * columnGap), y: depth * layerGap });
    });
  });

  return { ...graph, steps: graph.steps.map((s) => ({ ...s, position: position.get(s.id) ?? s.position })) };
}
