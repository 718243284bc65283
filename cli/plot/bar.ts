// Bar chart: one group of bars per category, one bar per series (e.g. test error per model).
import { scaleLinear } from 'd3-scale';
import { type AxisSpec, dataDomain, plotXY } from './axes.js';
import { type LegendPosition } from './legend.js';
import { type Chart, color, font, theme } from './types.js';

export interface BarSeries {
  name: string;
  values: number[];
  color?: string;
}

export interface BarChartSpec {
  title: string;
  categories: string[];
  series: BarSeries[];
  x?: { label?: string };
  y?: Omit<AxisSpec, 'ticks'>;
  /** Write each value above its bar with this many significant digits (default: no labels). */
  valueLabels?: number;
  legend?: LegendPosition;
  width?: number;
  height?: number;
}

export function barChart(spec: BarChartSpec): Chart {
  const n = spec.categories.length;
  const y = spec.y ?? {};
  const log = y.scale === 'log';
  return {
    width: spec.width ?? 760,
    height: spec.height ?? 480,
    title: spec.title,
    data: { categories: spec.categories, series: spec.series.map((s) => ({ name: s.name, values: s.values })) },
    draw(ctx, box) {
      const values = spec.series.flatMap((s) => s.values);
      // Bars grow from zero, so zero belongs in a linear domain; headroom keeps labels inside.
      const yDomain = y.domain ?? barDomain(values, log, spec.valueLabels ? 1.1 : 1.02);
      const groupW = 0.8;
      const barW = groupW / Math.max(1, spec.series.length);
      const bars = (i: number, k: number) => ({ x0: i - groupW / 2 + k * barW, x1: i - groupW / 2 + (k + 1) * barW });
      plotXY(
        ctx,
        box,
        {
          title: spec.title,
          x: { label: spec.x?.label, ticks: spec.categories.map((c, i) => ({ value: i, label: c })) },
          y,
          legend: spec.series.length > 1 ? spec.series.map((s, k) => ({ label: s.name, color: color(k, s.color), kind: 'patch' as const })) : [],
          legendPosition: spec.legend,
        },
        [-0.5, n - 0.5],
        yDomain,
        (f) =>
          spec.series.flatMap((s, k) =>
            s.values.flatMap((v, i): Array<[number, number]> => {
              const { x0, x1 } = bars(i, k);
              // The whole bar counts as data: sample its top edge and its body.
              const out: Array<[number, number]> = [];
              for (let py = f.sy(v); py < f.area.y + f.area.h; py += 8) out.push([f.sx((x0 + x1) / 2), py]);
              return out;
            }),
          ),
        (f) => {
          const base = log ? f.area.y + f.area.h : f.sy(Math.max(0, yDomain[0]));
          spec.series.forEach((s, k) => {
            ctx.fillStyle = color(k, s.color);
            s.values.forEach((v, i) => {
              if (!Number.isFinite(v) || (log && v <= 0)) return;
              const { x0, x1 } = bars(i, k);
              const left = f.sx(x0) + 1;
              const w = f.sx(x1) - f.sx(x0) - 2;
              const top = f.sy(v);
              ctx.fillStyle = color(k, s.color);
              ctx.fillRect(left, Math.min(top, base), w, Math.abs(base - top));
              if (spec.valueLabels) {
                ctx.fillStyle = theme.text;
                ctx.font = font(theme.tickSize - 1);
                ctx.textAlign = 'center';
                ctx.textBaseline = v >= 0 ? 'bottom' : 'top';
                ctx.fillText(String(Number(v.toPrecision(spec.valueLabels))), left + w / 2, v >= 0 ? top - 3 : top + 3);
              }
            });
          });
        },
      );
    },
  };
}

/** Bars grow from zero, so a linear axis starts (or ends) exactly there, with headroom for labels. */
function barDomain(values: number[], log: boolean, headroom: number): [number, number] {
  if (log) return dataDomain(values, 'log');
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(0, ...finite) * headroom;
  const hi = Math.max(0, ...finite) * headroom;
  return scaleLinear().domain([lo, hi === lo ? 1 : hi]).nice().domain() as [number, number];
}
