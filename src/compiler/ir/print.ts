// A readable one-line-per-node listing of a graph (op, name, tensor shapes, key attributes, ONNX sources),
// for debugging lowering and for reports that show what the back end received.
import type { Graph, Node } from './graph.ts';

function fmtTensor(g: Graph, name: string): string {
  if (name === '') return '-';
  const t = g.tensors.get(name);
  if (!t) return `${name}?`;
  return `${name}${t.const ? '(const)' : ''}[${t.shape.join(',')}]`;
}

function fmtAttrs(n: Node): string {
  const parts = Object.entries(n.attrs).map(([k, v]) => {
    if (v && typeof v === 'object' && 'data' in v) return `${k}=<tensor>`;
    return `${k}=${JSON.stringify(v)}`;
  });
  return parts.length ? ` {${parts.join(' ')}}` : '';
}

export function formatGraph(g: Graph): string {
  const lines = [`inputs: ${g.inputs.map((i) => fmtTensor(g, i)).join(', ')}`];
  for (const n of g.nodes) {
    const from = n.sources.length === 1 && n.sources[0] === n.name ? '' : `  <- ${n.sources.join(', ')}`;
    lines.push(`${n.op} ${n.name}: ${n.inputs.map((i) => fmtTensor(g, i)).join(', ')} -> ${n.outputs.map((o) => fmtTensor(g, o)).join(', ')}${fmtAttrs(n)}${from}`);
  }
  lines.push(`outputs: ${g.outputs.map((o) => fmtTensor(g, o)).join(', ')}`);
  return lines.join('\n');
}
