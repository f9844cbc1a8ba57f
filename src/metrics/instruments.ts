/** Counters, a gauge and a histogram, each rendering itself in Prometheus text format. */
import { formatLabels, formatValue, header, type Labels, labelKey } from './exposition.js';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new TypeError(`metrics: ${JSON.stringify(name)} is not a valid Prometheus metric name`);
}

export class Counter {
  readonly #values = new Map<string, { labels: Labels | undefined; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {
    checkName(name);
  }
  inc(labels?: Labels, by = 1): void {
    const key = labelKey(labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.#values.set(key, { labels, value: by });
  }
  get(labels?: Labels): number {
    return this.#values.get(labelKey(labels))?.value ?? 0;
  }
  render(): string {
    let text = header(this.name, 'counter', this.help);
    if (this.#values.size === 0) return `${text}${this.name} 0\n`;
    for (const { labels, value } of this.#values.values())
      text += `${this.name}${formatLabels(labels)} ${formatValue(value)}\n`;
    return text;
  }
}

export class Gauge {
  #value: number | undefined;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {
    checkName(name);
  }
  set(value: number | undefined): void {
    this.#value = value;
  }
  get(): number | undefined {
    return this.#value;
  }
  /** Omitted entirely when unknown (e.g. the store cannot count). */
  render(): string {
    if (this.#value === undefined) return '';
    return `${header(this.name, 'gauge', this.help)}${this.name} ${formatValue(this.#value)}\n`;
  }
}

/** Seconds; spans a fast in-process store (~µs) to a slow remote one (seconds). */
export const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface Series {
  labels: Labels | undefined;
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram {
  readonly #series = new Map<string, Series>();
  readonly buckets: readonly number[];
  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {
    checkName(name);
    if (buckets.length === 0 || buckets.some((b, i) => !(b > 0) || (i > 0 && b <= (buckets[i - 1] as number)))) {
      throw new TypeError('metrics: histogram buckets must be positive and strictly increasing');
    }
    this.buckets = [...buckets];
  }
  observe(value: number, labels?: Labels): void {
    const key = labelKey(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] as number)) series.counts[i]! += 1;
    series.sum += value;
    series.count += 1;
  }
  countOf(labels?: Labels): number {
    return this.#series.get(labelKey(labels))?.count ?? 0;
  }
  render(): string {
    let text = header(this.name, 'histogram', this.help);
    for (const { labels, counts, sum, count } of this.#series.values()) {
      for (let i = 0; i < this.buckets.length; i++) {
        text += `${this.name}_bucket${formatLabels(labels, ['le', formatValue(this.buckets[i] as number)])} ${counts[i]}\n`;
      }
      text += `${this.name}_bucket${formatLabels(labels, ['le', '+Inf'])} ${count}\n`;
      text += `${this.name}_sum${formatLabels(labels)} ${formatValue(sum)}\n`;
      text += `${this.name}_count${formatLabels(labels)} ${count}\n`;
    }
    return text;
  }
}
