// Line chart: several series against one x axis, linear or log on either axis.
import { type AxisSpec, type XYFrame, dataDomain, plotXY, usable } from './axes.js';
import { type LegendEntry, type LegendPosition } from './legend.js';
import { densify, drawMarker, strokePolyline } from './marks.js';
import { type Chart, type Marker, color, font, theme, xyData } from './types.js';

export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  dash?: number[];
  marker?: Marker;
  lineWidth?: number;
}

/** A labelled reference line, e.g. the interpolation threshold or a seed's reported number. */
export interface RefLine {
  at: number;
  label?: string;
  color?: string;
}

export interface LineChartSpec {
  title: string;
  x?: AxisSpec;
  y?: AxisSpec;
  series: LineSeries[];
  vlines?: RefLine[];
  hlines?: RefLine[];
  legend?: LegendPosition;
  width?: number;
  height?: number;
}

export function lineChart(spec: LineChartSpec): Chart {
  const x = spec.x ?? {};
  const y = spec.y ?? {};
  return {
    width: spec.width ?? 800,
    height: spec.height ?? 500,
    title: spec.title,
    data: {
      series: xyData(spec.series),
      ...(spec.vlines ? { vlines: spec.vlines.map((l) => ({ at: l.at, label: l.label })) } : {}),
      ...(spec.hlines ? { hlines: spec.hlines.map((l) => ({ at: l.at, label: l.label })) } : {}),
    },
    draw(ctx, box) {
      // horizontal reference-line labels drawn so far (refLine keeps them apart)
      const placed: Array<{ x0: number; x1: number; y: number }> = [];
      const xs = spec.series.flatMap((s) => Array.from(s.x)).concat((spec.vlines ?? []).map((l) => l.at));
      const ys = spec.series.flatMap((s) => Array.from(s.y)).concat((spec.hlines ?? []).map((l) => l.at));
      const xDomain = x.domain ?? dataDomain(xs, x.scale ?? 'linear', 0);
      const yDomain = y.domain ?? dataDomain(ys, y.scale ?? 'linear');
      const legend: LegendEntry[] = spec.series.map((s, i) => ({
        label: s.name,
        color: color(i, s.color),
        dash: s.dash,
        marker: s.marker,
      }));
      const project = (f: XYFrame, s: LineSeries) => {
        const n = Math.min(s.x.length, s.y.length);
        const px = new Float64Array(n);
        const py = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          px[i] = usable(s.x[i], x.scale) ? f.sx(s.x[i]) : NaN;
          py[i] = usable(s.y[i], y.scale) ? f.sy(s.y[i]) : NaN;
        }
        return { px, py };
      };
      plotXY(
        ctx,
        box,
        { title: spec.title, x, y, legend: spec.series.length > 1 || spec.series[0]?.name ? legend : [], legendPosition: spec.legend },
        xDomain,
        yDomain,
        (f) => spec.series.flatMap((s) => {
          const { px, py } = project(f, s);
          return densify(px, py);
        }),
        (f) => {
          placed.length = 0;
          for (const l of spec.hlines ?? []) refLine(f, l, 'h');
          for (const l of spec.vlines ?? []) refLine(f, l, 'v');
          spec.series.forEach((s, i) => {
            const c = color(i, s.color);
            const { px, py } = project(f, s);
            ctx.strokeStyle = c;
            ctx.lineWidth = s.lineWidth ?? 2;
            ctx.lineJoin = 'round';
            ctx.lineCap = 'round';
            ctx.setLineDash(s.dash ?? []);
            strokePolyline(ctx, px, py);
            ctx.setLineDash([]);
            if (s.marker && s.marker !== 'none') {
              for (let k = 0; k < px.length; k++) {
                if (Number.isFinite(px[k]) && Number.isFinite(py[k])) drawMarker(ctx, s.marker, px[k], py[k], 3.5, c);
              }
            }
          });
        },
      );

      function refLine(f: XYFrame, l: RefLine, dir: 'h' | 'v'): void {
        const c = l.color ?? '#555555';
        ctx.save();
        ctx.strokeStyle = c;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        const p = dir === 'v' ? f.sx(l.at) : f.sy(l.at);
        if (dir === 'v') {
          ctx.moveTo(p, f.area.y);
          ctx.lineTo(p, f.area.y + f.area.h);
        } else {
          ctx.moveTo(f.area.x, p);
          ctx.lineTo(f.area.x + f.area.w, p);
        }
        ctx.stroke();
        ctx.setLineDash([]);
        if (l.label) {
          ctx.font = font(theme.tickSize);
          ctx.fillStyle = c;
          ctx.textBaseline = 'bottom';
          if (dir === 'v') {
            // Label beside the line near the top, flipped left when it would run off the plot,
            // on a white patch so a curve passing behind does not garble it.
            const w = ctx.measureText(l.label).width;
            const lx = p + 5 + w > f.area.x + f.area.w ? p - 5 - w : p + 5;
            ctx.textAlign = 'left';
            ctx.textBaseline = 'top';
            ctx.globalAlpha = 0.85;
            ctx.fillStyle = theme.background;
            ctx.fillRect(lx - 2, f.area.y + 4, w + 4, theme.tickSize + 4);
            ctx.globalAlpha = 1;
            ctx.fillStyle = c;
            ctx.fillText(l.label, lx, f.area.y + 6);
          } else {
            // Labels of lines closer than a text height apart go side by side, not on top of each other.
            const w = ctx.measureText(l.label).width;
            let lx = f.area.x + 6;
            for (const q of placed) if (Math.abs(q.y - p) < theme.tickSize + 2 && lx < q.x1 + 12 && lx + w > q.x0) lx = q.x1 + 12;
            placed.push({ x0: lx, x1: lx + w, y: p });
            ctx.textAlign = 'left';
            ctx.fillText(l.label, lx, p - 3);
          }
        }
        ctx.restore();
      }
    },
  };
}
