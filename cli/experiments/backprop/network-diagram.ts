// A drawing of the 2-2-1 network of the worked example: inputs, bias units, two sigmoid hidden
// neurons and a linear output, each edge labelled with its weight before → after the update.
import { blankWithTitle } from '../../plot/axes.js';
import { type Chart, type Ctx2D, font, theme } from '../../plot/types.js';

export interface NetworkDiagramSpec {
  title: string;
  /** w1..w9 in the seed's order: x1→h1, x1→h2, x2→h1, x2→h2, b→h1, b→h2, h1→ŷ, h2→ŷ, b→ŷ. */
  before: number[];
  after: number[];
  mseBefore: number;
  mseAfter: number;
}

type Node = { label: string; x: number; y: number; kind: 'input' | 'bias' | 'hidden' | 'output' };

export function networkDiagram(spec: NetworkDiagramSpec): Chart {
  const width = 900, height = 560;
  // Positions in a unit box, mapped into the drawing area.
  const nodes: Record<string, Node> = {
    x1: { label: 'x1', x: 0.08, y: 0.25, kind: 'input' },
    x2: { label: 'x2', x: 0.08, y: 0.6, kind: 'input' },
    b1: { label: '1', x: 0.08, y: 0.92, kind: 'bias' },
    h1: { label: 'h1 = σ', x: 0.5, y: 0.25, kind: 'hidden' },
    h2: { label: 'h2 = σ', x: 0.5, y: 0.6, kind: 'hidden' },
    b2: { label: '1', x: 0.5, y: 0.92, kind: 'bias' },
    y: { label: 'ŷ', x: 0.9, y: 0.45, kind: 'output' },
  };
  // Edge k carries weight w(k+1); `at` is where along the edge its label sits (w5 and w6 leave
  // the same bias unit at similar angles, so their labels sit far apart to stay readable).
  const edges: Array<[string, string, number]> = [
    ['x1', 'h1', 0.3], ['x1', 'h2', 0.22], ['x2', 'h1', 0.22], ['x2', 'h2', 0.3], ['b1', 'h1', 0.17], ['b1', 'h2', 0.6],
    ['h1', 'y', 0.5], ['h2', 'y', 0.5], ['b2', 'y', 0.45],
  ];
  return {
    width, height, title: spec.title,
    data: { before: spec.before, after: spec.after, mseBefore: spec.mseBefore, mseAfter: spec.mseAfter },
    draw(ctx: Ctx2D, box) {
      ctx.save();
      blankWithTitle(ctx, box, spec.title);
      const area = { x: box.x + 50, y: box.y + 60, w: box.w - 100, h: box.h - 110 };
      const px = (n: Node) => area.x + n.x * area.w;
      const py = (n: Node) => area.y + n.y * area.h;
      const r = 26;
      ctx.lineWidth = 1.6;
      edges.forEach(([a, b], k) => {
        const A = nodes[a], B = nodes[b];
        ctx.strokeStyle = spec.after[k] >= 0 ? '#b2182b' : '#2166ac';
        ctx.beginPath();
        ctx.moveTo(px(A), py(A));
        ctx.lineTo(px(B), py(B));
        ctx.stroke();
      });
      for (const n of Object.values(nodes)) {
        ctx.beginPath();
        ctx.arc(px(n), py(n), n.kind === 'bias' ? r * 0.7 : r, 0, 2 * Math.PI);
        ctx.fillStyle = n.kind === 'bias' ? '#eeeeee' : n.kind === 'input' ? '#fdfdfd' : '#ffe8cc';
        ctx.fill();
        ctx.strokeStyle = theme.axis;
        ctx.stroke();
        ctx.fillStyle = theme.text;
        ctx.font = font(theme.labelSize, 'bold');
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        ctx.fillText(n.label, px(n), py(n));
      }
      ctx.font = font(theme.tickSize);
      edges.forEach(([a, b, at], k) => {
        const A = nodes[a], B = nodes[b];
        const x = px(A) + at * (px(B) - px(A)), y = py(A) + at * (py(B) - py(A));
        const text = `w${k + 1}: ${spec.before[k]} → ${spec.after[k].toFixed(4)}`;
        const w = ctx.measureText(text).width + 10;
        ctx.fillStyle = 'rgba(255,255,255,0.92)';
        ctx.fillRect(x - w / 2, y - 10, w, 20);
        ctx.fillStyle = theme.text;
        ctx.fillText(text, x, y);
      });
      ctx.font = font(theme.labelSize);
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      ctx.fillText(`MSE ${spec.mseBefore.toFixed(4)} → ${spec.mseAfter.toFixed(4)} on the three points; red edges end positive, blue negative`, box.x + 20, box.y + box.h - 12);
      ctx.restore();
    },
  };
}
