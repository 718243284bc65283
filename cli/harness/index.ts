// The experiment harness: what an experiment file imports besides the engine and the plots.
// How to use it: cli/experiments/README.md.
export { mnistLoaders, QUICK_TEST_IMAGES, QUICK_TRAIN_IMAGES, type MnistLoaderOptions, type MnistLoaders } from './mnist.js';
export type { FitFigures, FitResult, FitSpec } from './fit.js';
export {
  captionedGrid, confusionFigure, historyChart, learningCurves, misclassifiedGrid,
  type EpochRecord, type HistoryChartOptions, type ImageSet, type RunHistory,
} from './figures.js';
export { divergingCurve, findDivergence, type CurveOptions, type Divergence } from './curves.js';
export { contourWithTrajectories, thinTrajectory, type ContourWithTrajectoriesSpec } from './contour.js';
export { csvOption, readCsvColumns, readCsvOption, type CsvColumns } from './csv.js';
export { InputError } from './outdir.js';
