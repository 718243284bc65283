// The data readers: plain typed arrays, no tensor dependency, Node and browser.
export { type ByteSource, readBytes, gunzip, isGzip } from './bytes.js';
export { type IdxArray, type IdxData, type IdxDtype, parseIdx, parseIdxRaw, readIdxFile } from './idx.js';
export { type MnistData, type MnistOptions, MNIST_MEAN, MNIST_STD, loadMnist, mnistFileNames, standardize } from './mnist.js';
export { type CsvTable, column, csvToFloat32, parseCsv, readCsvFile, selectColumns } from './csv.js';
export { type Dataset, type DataLoaderOptions, type MnistDatasetOptions, DataLoader, Subset, TensorDataset, meanStd, mnistDataset, randomSplit, standardizeTensor } from './loader.js';
