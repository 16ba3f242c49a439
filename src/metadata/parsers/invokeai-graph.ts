/**
 * InvokeAI's execution graph (`invokeai_graph`, 3.x–6.x): `{ nodes: { id: node }, edges: [ { source, destination } ] }`.
 * A node's input is either its own value or, when an edge feeds it, the output of another node, so
 * values are resolved through edges (primitive `value` nodes, `collect` nodes) a bounded number of hops.
 */
import { isRecord } from '../values.js';

type Node = Record<string, unknown>;
interface Endpoint {
  node_id: string;
  field: string;
}

/** Enough for primitive → collect → compel → denoise chains; no input can make resolution unbounded. */
const MAX_HOPS = 8;

export class InvokeGraph {
  readonly nodes: Node[];
  private readonly byId = new Map<string, Node>();
  private readonly feeds = new Map<string, Endpoint[]>();

  constructor(graph: Record<string, unknown>) {
    const nodes = isRecord(graph.nodes) ? Object.values(graph.nodes) : Array.isArray(graph.nodes) ? graph.nodes : [];
    this.nodes = nodes.filter(isRecord);
    for (const n of this.nodes) if (typeof n.id === 'string') this.byId.set(n.id, n);
    for (const e of Array.isArray(graph.edges) ? graph.edges : []) {
      if (!isRecord(e) || !isRecord(e.source) || !isRecord(e.destination)) continue;
      const key = `${String(e.destination.node_id)}\u0000${String(e.destination.field)}`;
      const list = this.feeds.get(key) ?? [];
      list.push({ node_id: String(e.source.node_id), field: String(e.source.field) });
      this.feeds.set(key, list);
    }
  }

  static from(json: unknown): InvokeGraph | null {
    return isRecord(json) && (isRecord(json.nodes) || Array.isArray(json.nodes)) ? new InvokeGraph(json) : null;
  }

  ofType(match: (type: string) => boolean): Node[] {
    return this.nodes.filter((n) => typeof n.type === 'string' && match(n.type));
  }

  /** The nodes whose outputs feed `node.field` (through `collect` nodes). */
  sources(node: Node, field: string): Node[] {
    const out: Node[] = [];
    let frontier: Endpoint[] = this.feeds.get(`${String(node.id)}\u0000${field}`) ?? [];
    for (let hop = 0; hop < MAX_HOPS && frontier.length; hop++) {
      const next: Endpoint[] = [];
      for (const ep of frontier) {
        const src = this.byId.get(ep.node_id);
        if (!src) continue;
        if (src.type === 'collect') next.push(...(this.feeds.get(`${ep.node_id}\u0000item`) ?? []));
        else out.push(src);
      }
      frontier = next;
    }
    return out;
  }

  /** A node's input value: an edge's source value wins over the (placeholder) value stored on the node. */
  input(node: Node, field: string): unknown {
    let cur: Node = node;
    let f = field;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const edge = this.feeds.get(`${String(cur.id)}\u0000${f}`)?.[0];
      if (!edge) return cur[f];
      const src = this.byId.get(edge.node_id);
      if (!src) return cur[f];
      // Primitive nodes (`string`, `integer`, `seed`…) pass their `value` input through; others are read as they are.
      if (!(edge.field in src) && edge.field !== 'value') return cur[f];
      cur = src;
      f = edge.field;
    }
    return cur[f];
  }

  /** Every non-null input of a node, resolved through edges. */
  resolved(node: Node): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const fields = new Set(Object.keys(node));
    for (const key of this.feeds.keys()) if (key.startsWith(`${String(node.id)}\u0000`)) fields.add(key.slice(String(node.id).length + 1));
    for (const f of fields) {
      const v = this.input(node, f);
      if (v !== null && v !== undefined) out[f] = v;
    }
    return out;
  }
}
