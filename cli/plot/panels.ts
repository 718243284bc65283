// Several charts side by side under one common title (e.g. one contour panel per optimizer).
import { blankWithTitle } from './axes.js';
import { type Chart, theme } from './types.js';

export interface PanelsSpec {
  title: string;
  charts: Chart[];
  /** Panels per row (default: all in one row up to 3, then rows of 3). */
  cols?: number;
  /** Size of each panel; default the first chart's own size. */
  panelWidth?: number;
  panelHeight?: number;
}

export function panels(spec: PanelsSpec): Chart {
  const n = spec.charts.length;
  const cols = spec.cols ?? Math.min(3, Math.max(1, n));
  const rows = Math.max(1, Math.ceil(n / cols));
  const pw = spec.panelWidth ?? spec.charts[0]?.width ?? 600;
  const ph = spec.panelHeight ?? spec.charts[0]?.height ?? 450;
  const top = theme.titleSize + 24;
  return {
    width: cols * pw,
    height: top + rows * ph,
    title: spec.title,
    data: spec.charts.map((c) => ({ title: c.title, data: c.data })),
    draw(ctx, box) {
      ctx.save();
      blankWithTitle(ctx, box, spec.title, theme.titleSize + 3);
      const w = box.w / cols;
      const h = (box.h - top) / rows;
      spec.charts.forEach((c, i) => {
        ctx.save();
        const cell = { x: box.x + (i % cols) * w, y: box.y + top + Math.floor(i / cols) * h, w, h };
        // A panel must not paint over its neighbours (legends and labels near the edges).
        ctx.beginPath();
        ctx.rect(cell.x, cell.y, cell.w, cell.h);
        ctx.clip();
        c.draw(ctx, cell);
        ctx.restore();
      });
      ctx.restore();
    },
  };
}
