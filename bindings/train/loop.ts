/**
 * The training loop PyTorch users write by hand, once: trainEpoch (zeroGrad, forward, loss,
 * backward, step per batch), evaluate (loss, accuracy, confusion matrix, under noGrad), fit
 * (epochs, an optional scheduler and validation). Progress goes to a one-line bar on a TTY and
 * to plain lines otherwise. No Node-only imports: the TTY check reads globalThis.process.
 */
import type { Tensor } from '../tensor.js';
import { noGrad } from '../autograd.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler } from '../optim/lr_scheduler.js';
import { checkOptions, intArg, keysOf, show } from '../args.js';

/** A loss function, or a loss module (modules are callable): F.crossEntropy, new nn.CrossEntropyLoss(). */
export type LossFn = (output: Tensor, target: Tensor) => Tensor;

function checkLossFn(op: string, lossFn: unknown, param = 'lossFn'): LossFn {
  if (typeof lossFn !== 'function') {
    throw new TypeError(`${op}: ${param} must be a loss function or a loss module (e.g. nn.functional.crossEntropy or new nn.CrossEntropyLoss()), got ${show(lossFn)}`);
  }
  return lossFn as LossFn;
}

type Batches = Iterable<Tensor[]> & { length?: number };

/**
 * How the training helpers report progress: a bar or lines on stdout, nothing, or your callback.
 * @example fit(model, loader, opt, F.crossEntropy, { epochs: 5, progress: false })
 */
export interface ProgressOptions {
  /** true: bar on a TTY, lines otherwise; false: silent; a function receives every update instead. */
  progress?: boolean | ((p: BatchProgress) => void);
  /** Label in front of progress output. */
  label?: string;
}

/**
 * One progress update of the training helpers, after each optimiser step.
 * @example trainEpoch(model, loader, opt, lossFn, { onBatch: (p) => console.log(p.meanLoss) })
 */
export interface BatchProgress {
  batch: number;
  batches: number | undefined;
  loss: number;
  /** Running mean of the loss over this epoch so far. */
  meanLoss: number;
  stepsPerSecond: number;
}

interface Stream { isTTY?: boolean; columns?: number; write(s: string): unknown }

function stdoutStream(): Stream | null {
  const p = (globalThis as { process?: { stdout?: Stream } }).process;
  return p?.stdout && typeof p.stdout.write === 'function' ? p.stdout : null;
}

/** Renders progress: a redrawn bar on a TTY, about ten plain lines per epoch elsewhere. */
export function progressReporter(label: string, stream: Stream | null = stdoutStream()): { update(p: BatchProgress): void; done(summary: string): void } {
  const tty = !!stream?.isTTY;
  let lastDecile = -1;
  const text = (p: BatchProgress) => `${label} ${p.batch}/${p.batches ?? '?'} loss ${p.meanLoss.toFixed(4)} ${p.stepsPerSecond.toFixed(1)} steps/s`;
  return {
    update(p) {
      if (!stream) return;
      if (tty) {
        const width = 24, frac = p.batches ? p.batch / p.batches : 0;
        const fill = Math.round(frac * width);
        stream.write(`\r[${'='.repeat(fill)}${' '.repeat(width - fill)}] ${text(p)}`);
        return;
      }
      const decile = p.batches ? Math.floor((10 * p.batch) / p.batches) : Math.floor(p.batch / 100);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${text(p)}\n`);
      }
    },
    done(summary) {
      if (stream) stream.write(`${tty ? '\r\x1b[K' : ''}${label} ${summary}\n`);
    },
  };
}

/**
 * Options of `trainEpoch`.
 * @example trainEpoch(model, loader, opt, lossFn, { label: 'epoch 1' })
 */
export interface TrainEpochOptions extends ProgressOptions {
  /** Called after every optimiser step. */
  onBatch?: (p: BatchProgress) => void;
}

/**
 * What `trainEpoch` returns: the mean loss, the number of batches and the wall time.
 * @example const { loss } = trainEpoch(model, loader, opt, lossFn);
 */
export interface EpochResult {
  loss: number;
  batches: number;
  seconds: number;
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** One pass over the loader: zeroGrad, forward, loss, backward, step for each batch [input, target]. */
export function trainEpoch(model: Module, loader: Batches, optimizer: Optimizer<{ lr: number }>, lossFn: LossFn,
  options: TrainEpochOptions = {}): EpochResult {
  checkLossFn('trainEpoch', lossFn);
  checkOptions('trainEpoch', options, TRAIN_EPOCH_KEYS);
  model.train();
  const t0 = now();
  const report = typeof options.progress === 'function' ? null
    : options.progress ? progressReporter(options.label ?? 'train') : null;
  let sum = 0, batches = 0;
  for (const [x, y] of loader) {
    optimizer.zeroGrad();
    const loss = lossFn(model.forward(x), y);
    loss.backward();
    optimizer.step();
    const value = loss.item();
    sum += value;
    batches++;
    const p: BatchProgress = {
      batch: batches, batches: loader.length, loss: value, meanLoss: sum / batches,
      stepsPerSecond: batches / Math.max(1e-9, (now() - t0) / 1000),
    };
    options.onBatch?.(p);
    if (typeof options.progress === 'function') options.progress(p);
    report?.update(p);
  }
  const seconds = (now() - t0) / 1000;
  report?.done(`loss ${(sum / Math.max(1, batches)).toFixed(4)} in ${seconds.toFixed(1)} s`);
  return { loss: sum / Math.max(1, batches), batches, seconds };
}

/**
 * Options of `evaluate`.
 * @example evaluate(model, testLoader, { lossFn: F.crossEntropy, predictions: true })
 */
export interface EvaluateOptions {
  /** Default: none (loss reported as NaN). */
  lossFn?: LossFn;
  /** Size of the confusion matrix (default 10). */
  numClasses?: number;
  /** Also return every example's predicted class and its softmax probability, in loader order. */
  predictions?: boolean;
}

/**
 * What `evaluate` returns: loss, accuracy, the confusion matrix and, if asked, every prediction.
 * @example const { accuracy, confusion } = evaluate(model, testLoader);
 */
export interface EvaluateResult {
  /** Mean loss per example (batch losses weighted by batch size). */
  loss: number;
  accuracy: number;
  /** confusion[true][predicted] counts. */
  confusion: number[][];
  n: number;
  /** With `predictions: true`: the predicted class of every example, in loader order. */
  predicted?: Int32Array;
  /** With `predictions: true`: the softmax probability of that prediction. */
  confidence?: Float32Array;
  /** With `predictions: true`: the true class of every example, in loader order. */
  labels?: Int32Array;
}

/** Loss, accuracy and confusion matrix of a classifier over a loader, in eval mode under noGrad. */
export function evaluate(model: Module, loader: Batches, options: EvaluateOptions = {}): EvaluateResult {
  checkOptions('evaluate', options, EVALUATE_KEYS);
  if (options.lossFn !== undefined) checkLossFn('evaluate', options.lossFn, 'options.lossFn');
  const C = intArg('evaluate', 'numClasses', options.numClasses, 10, 1);
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0, n = 0, correct = 0;
  const predicted: number[] = [];
  const confidence: number[] = [];
  const trueLabels: number[] = [];
  try {
    for (const [x, y] of loader) {
      noGrad(() => {
        const out = model.forward(x);
        const labels = y.data();
        if (options.lossFn) lossSum += options.lossFn(out, y).item() * labels.length;
        const pred = out.argmax(1).data();
        for (let i = 0; i < labels.length; i++) {
          const t = labels[i], p = pred[i];
          if (t === p) correct++;
          // Regression targets (real numbers) have no confusion matrix: only whole-number labels count.
          if (Number.isInteger(t) && t >= 0 && t < C && p >= 0 && p < C) confusion[t][p]++;
        }
        if (options.predictions) {
          const prob = out.softmax(1).max(1).data();
          for (let i = 0; i < labels.length; i++) { predicted.push(pred[i]); confidence.push(prob[i]); trueLabels.push(labels[i]); }
        }
        n += labels.length;
      });
    }
  } finally {
    model.train(wasTraining);
  }
  return {
    loss: options.lossFn ? lossSum / Math.max(1, n) : NaN, accuracy: correct / Math.max(1, n), confusion, n,
    ...(options.predictions ? { predicted: Int32Array.from(predicted), confidence: Float32Array.from(confidence), labels: Int32Array.from(trueLabels) } : {}),
  };
}

/**
 * Options of `fit`: epochs, a scheduler stepped after each epoch, validation data and a callback.
 * @example fit(model, loader, opt, F.crossEntropy, { epochs: 10, validation: testLoader })
 */
export interface FitOptions extends TrainEpochOptions {
  epochs: number;
  scheduler?: LRScheduler<any>;
  /** Evaluated after every epoch. */
  validation?: Batches;
  onEpoch?: (epoch: number, train: EpochResult, validation: EvaluateResult | null) => void;
}

const TRAIN_EPOCH_KEYS = keysOf<TrainEpochOptions>()('progress', 'label', 'onBatch');
const EVALUATE_KEYS = keysOf<EvaluateOptions>()('lossFn', 'numClasses', 'predictions');
const FIT_KEYS = keysOf<FitOptions>()('epochs', 'scheduler', 'validation', 'onEpoch', 'progress', 'label', 'onBatch');

/** Trains for several epochs, stepping the scheduler per epoch and evaluating on validation data. */
export function fit(model: Module, loader: Batches, optimizer: Optimizer<{ lr: number }>, lossFn: LossFn,
  options: FitOptions): { train: EpochResult; validation: EvaluateResult | null }[] {
  checkLossFn('fit', lossFn);
  checkOptions('fit', options, FIT_KEYS);
  intArg('fit', 'epochs', options.epochs, undefined, 0);
  const history: { train: EpochResult; validation: EvaluateResult | null }[] = [];
  for (let e = 1; e <= options.epochs; e++) {
    const train = trainEpoch(model, loader, optimizer, lossFn, {
      progress: options.progress, onBatch: options.onBatch, label: `${options.label ?? 'epoch'} ${e}/${options.epochs}`,
    });
    options.scheduler?.step();
    const validation = options.validation ? evaluate(model, options.validation, { lossFn }) : null;
    options.onEpoch?.(e, train, validation);
    history.push({ train, validation });
  }
  return history;
}
