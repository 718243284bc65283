// Confusion matrix as a heat map: row = true class, column = predicted class, counts in cells.
import { blankWithTitle } from './axes.js';
import { colorMap, type ColorMapName } from './colorbar.js';
import { type Chart, font, theme } from './types.js';

export interface ConfusionSpec {
  title: string;
  /** matrix[true][pred] = count. */
  matrix: number[][];
  labels?: string[];
  /** Shade by the fraction of each true class (default), so rare classes still show. */
  shadeBy?: 'row' | 'count';
  colormap?: ColorMapName;
  width?: number;
  height?: number;
}

export function confusionMatrix(spec: ConfusionSpec): Chart {
  const n = spec.matrix.length;
  const labels = spec.labels ?? Array.from({ length: n }, (_, i) => String(i));
  const cmap = colorMap(spec.colormap, 'blues');
  return {
    width: spec.width ?? 620,
    height: spec.height ?? 600,
    title: spec.title,
    data: { labels, matrix: spec.matrix },
    draw(ctx, box) {
      ctx.save();
      blankWithTitle(ctx, box, spec.title);
      const top = theme.titleSize + 30;
      const left = theme.labelSize + 50;
      const bottom = theme.labelSize + 40;
      const side = Math.max(10, Math.min(box.w - left - 20, box.h - top - bottom));
      const x0 = box.x + left + (box.w - left - 20 - side) / 2;
      const y0 = box.y + top;
      const cell = side / n;
      const max = Math.max(1, ...spec.matrix.flat());
      const digits = String(max).length;
      ctx.font = font(Math.max(8, Math.min(theme.tickSize + 1, (cell * 1.5) / Math.max(2, digits))));
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      spec.matrix.forEach((row, r) => {
        const rowSum = row.reduce((a, b) => a + b, 0) || 1;
        row.forEach((v, c) => {
          const t = spec.shadeBy === 'count' ? v / max : v / rowSum;
          ctx.fillStyle = cmap(0.04 + 0.96 * t);
          ctx.fillRect(x0 + c * cell, y0 + r * cell, cell + 0.5, cell + 0.5);
          // White text on dark cells, dark text on light ones.
          ctx.fillStyle = t > 0.5 ? '#ffffff' : theme.text;
          ctx.fillText(String(v), x0 + (c + 0.5) * cell, y0 + (r + 0.5) * cell);
        });
      });
      ctx.strokeStyle = theme.axis;
      ctx.lineWidth = 1;
      ctx.strokeRect(x0, y0, side, side);
      ctx.fillStyle = theme.text;
      ctx.font = font(theme.tickSize);
      labels.forEach((l, i) => {
        ctx.textAlign = 'center';
        ctx.textBaseline = 'top';
        ctx.fillText(l, x0 + (i + 0.5) * cell, y0 + side + 6);
        ctx.textAlign = 'right';
        ctx.textBaseline = 'middle';
        ctx.fillText(l, x0 - 6, y0 + (i + 0.5) * cell);
      });
      ctx.font = font(theme.labelSize);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillText('predicted class', x0 + side / 2, y0 + side + theme.tickSize + 14);
      ctx.translate(box.x + 12, y0 + side / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.fillText('true class', 0, 0);
      ctx.restore();
    },
  };
}
