// The browser-safe plot API. PNG output lives in ./png.js (Node only).
export * from './types.js';
export { type AxisSpec, type ScaleKind } from './axes.js';
export { type LegendEntry, type LegendPosition } from './legend.js';
export { type ColorMapName } from './colorbar.js';
export { lineChart, type LineChartSpec, type LineSeries, type RefLine } from './line.js';
export { scatterChart, type ScatterChartSpec, type ScatterClass } from './scatter.js';
export { contourChart, contourLevels, sampleGrid, type ContourChartSpec, type Grid, type Trajectory } from './contour.js';
export { imageGrid, type ImageGridSpec, type GridImage } from './images.js';
export { confusionMatrix, type ConfusionSpec } from './confusion.js';
export { barChart, type BarChartSpec, type BarSeries } from './bar.js';
export { panels, type PanelsSpec } from './panels.js';
