// Scatter plot with one colour (and marker) per class.
import { type AxisSpec, type XYFrame, dataDomain, plotXY, usable } from './axes.js';
import { type LegendPosition } from './legend.js';
import { drawMarker } from './marks.js';
import { type Chart, type Ctx2D, type Marker, color, xyData } from './types.js';

export interface ScatterClass {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  marker?: Marker;
}

export interface ScatterChartSpec {
  title: string;
  x?: AxisSpec;
  y?: AxisSpec;
  classes: ScatterClass[];
  legend?: LegendPosition;
  pointRadius?: number;
  width?: number;
  height?: number;
}

const MARKERS: Marker[] = ['circle', 'triangle', 'square', 'diamond'];

/** Marker per class cycles too, so classes stay apart when printed in grey. */
export function classMarker(i: number, given?: Marker): Marker {
  return given ?? MARKERS[i % MARKERS.length];
}

export function scatterChart(spec: ScatterChartSpec): Chart {
  const x = spec.x ?? {};
  const y = spec.y ?? {};
  return {
    width: spec.width ?? 700,
    height: spec.height ?? 560,
    title: spec.title,
    data: { classes: xyData(spec.classes) },
    draw(ctx, box) {
      const xDomain = x.domain ?? dataDomain(spec.classes.flatMap((c) => Array.from(c.x)), x.scale ?? 'linear');
      const yDomain = y.domain ?? dataDomain(spec.classes.flatMap((c) => Array.from(c.y)), y.scale ?? 'linear');
      plotXY(
        ctx,
        box,
        { title: spec.title, x, y, legend: scatterLegend(spec.classes), legendPosition: spec.legend },
        xDomain,
        yDomain,
        (f) => spec.classes.flatMap((c) => projectPoints(f, c, x, y)),
        (f) => drawPoints(ctx, f, spec.classes, x, y, spec.pointRadius),
      );
    },
  };
}

export function scatterLegend(classes: ScatterClass[]) {
  return classes.map((c, i) => ({ label: c.name, color: color(i, c.color), kind: 'marker' as const, marker: classMarker(i, c.marker) }));
}

function projectPoints(f: XYFrame, c: ScatterClass, x: AxisSpec, y: AxisSpec): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const n = Math.min(c.x.length, c.y.length);
  for (let i = 0; i < n; i++) if (usable(c.x[i], x.scale) && usable(c.y[i], y.scale)) out.push([f.sx(c.x[i]), f.sy(c.y[i])]);
  return out;
}

/** Also used by the contour chart to put data points over a classification map. */
export function drawPoints(ctx: Ctx2D, f: XYFrame, classes: ScatterClass[], x: AxisSpec, y: AxisSpec, radius = 4): void {
  classes.forEach((c, i) => {
    const col = color(i, c.color);
    const marker = classMarker(i, c.marker);
    for (const [px, py] of projectPoints(f, c, x, y)) drawMarker(ctx, marker, px, py, radius, col, '#ffffff');
  });
}
