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
