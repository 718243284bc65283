// Progress reporting for long loops. On a terminal: one bar redrawn in place at most ~10 times
// a second (label, bar, n/total, rate, ETA, extra fields such as the loss). Elsewhere (CI logs,
// pipes): a plain line at 25, 50, 75 and 100 %, so logs stay short and diffable.

export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export type Fields = Record<string, number | string>;

export interface Progress {
  /** Advance by `n` steps (default 1); `fields` are shown after the bar, e.g. `{ loss }`. */
  tick(n?: number, fields?: Fields): void;
  /** Set the absolute position. */
  update(done: number, fields?: Fields): void;
  /** Finish: draw the final state and release the line. Idempotent. */
  done(fields?: Fields): void;
}

const REDRAW_MS = 100;

/** Owns the output stream so that log lines and the live bar do not garble each other. */
export class Console {
  private live: Bar | null = null;

  constructor(
    readonly out: OutStream,
    readonly now: () => number = () => performance.now(),
  ) {}

  get tty(): boolean {
    return this.out.isTTY === true;
  }

  log(line: string): void {
    if (this.live && this.tty) this.out.write('\r\x1b[K');
    this.out.write(line + '\n');
    this.live?.redraw();
  }

  progress(label: string, total: number): Progress {
    this.live?.done();
    const bar = new Bar(this, label, total, () => {
      if (this.live === bar) this.live = null;
    });
    this.live = bar;
    return bar;
  }
}

class Bar implements Progress {
  private n = 0;
  private fields: Fields = {};
  private readonly start: number;
  private lastDraw = -Infinity;
  private nextQuarter = 1;
  private finished = false;

  constructor(
    private readonly con: Console,
    private readonly label: string,
    private readonly total: number,
    private readonly release: () => void,
  ) {
    this.start = con.now();
  }

  tick(n = 1, fields?: Fields): void {
    this.update(this.n + n, fields);
  }

  update(done: number, fields?: Fields): void {
    if (this.finished) return;
    this.n = Math.min(done, this.total);
    if (fields) this.fields = fields;
    if (this.con.tty) {
      const t = this.con.now();
      if (t - this.lastDraw >= REDRAW_MS) this.redraw(t);
    } else {
      // One line when a quarter is passed, however many quarters one update jumps.
      let passed = this.nextQuarter;
      while (this.total > 0 && passed <= 4 && this.n >= (this.total * passed) / 4) passed++;
      if (passed > this.nextQuarter) {
        this.con.out.write(this.line(this.con.now(), false) + '\n');
        this.nextQuarter = passed;
      }
    }
  }

  done(fields?: Fields): void {
    if (this.finished) return;
    if (fields) this.fields = fields;
    if (this.con.tty) {
      this.redraw();
      this.con.out.write('\n');
    } else if (this.nextQuarter <= 4) {
      this.con.out.write(this.line(this.con.now(), false) + '\n');
    }
    this.finished = true;
    this.release();
  }

  redraw(t = this.con.now()): void {
    if (this.finished || !this.con.tty) return;
    this.lastDraw = t;
    this.con.out.write('\r\x1b[K' + this.line(t, true));
  }

  private line(t: number, withBar: boolean): string {
    const secs = (t - this.start) / 1000;
    const rate = secs > 0 ? this.n / secs : 0;
    const pct = this.total > 0 ? this.n / this.total : 1;
    const parts = [this.label];
    if (withBar) {
      const width = Math.max(10, Math.min(30, (this.con.out.columns ?? 80) - 70));
      const full = Math.round(pct * width);
      parts.push('[' + '#'.repeat(full) + '-'.repeat(width - full) + ']');
    } else {
      parts.push(`${Math.round(pct * 100)}%`);
    }
    parts.push(`${this.n}/${this.total}`, `${formatRate(rate)}/s`);
    if (this.n < this.total && rate > 0) parts.push(`ETA ${formatDuration((this.total - this.n) / rate)}`);
    else if (this.n >= this.total) parts.push(`in ${formatDuration(secs)}`);
    for (const [k, v] of Object.entries(this.fields)) parts.push(`${k} ${typeof v === 'number' ? formatField(v) : v}`);
    return parts.join(' ');
  }
}

function formatRate(r: number): string {
  if (r >= 1e6) return `${(r / 1e6).toFixed(1)}M`;
  if (r >= 1e4) return `${(r / 1e3).toFixed(1)}k`;
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

function formatField(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(4);
}

export function formatDuration(secs: number): string {
  const s = Math.max(0, Math.round(secs));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
