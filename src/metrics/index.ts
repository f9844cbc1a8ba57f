/**
 * sessionkit/metrics: counters from the manager's lifecycle events (and auth's), store
 * latency, and active sessions where the store can count them, as Prometheus text. An
 * `onEvent` pass-through feeds audit logs from the same events. See docs/metrics.md.
 *
 *   const metrics = createMetrics({ audit: (e) => log.info(e) });
 *   const sessions = createSessions({ store: metrics.instrument(store), onEvent: metrics.onEvent });
 *   // GET /metrics → res.setHeader('Content-Type', metrics.contentType); res.end(await metrics.render());
 */
import type { SessionEvent } from '../core/events.js';
import type { Store } from '../core/store.js';
import type { AuthEvent } from '../auth/events.js';
import { PROMETHEUS_CONTENT_TYPE } from './exposition.js';
import { instrumentStore } from './instrument-store.js';
import { Counter, DEFAULT_BUCKETS, Gauge, Histogram } from './instruments.js';

export { Counter, DEFAULT_BUCKETS, Gauge, Histogram } from './instruments.js';
export { PROMETHEUS_CONTENT_TYPE } from './exposition.js';

export interface MetricsOptions {
  /** Prefix of every metric name. Default 'sessionkit_'. */
  prefix?: string;
  /** Latency histogram buckets in seconds. */
  buckets?: readonly number[];
  /** Receives every session and auth event too: an audit log hook. Its errors are swallowed. */
  audit?: (event: SessionEvent | AuthEvent) => void;
  /** How long a counted active-sessions value is reused, ms (count() may cost a query). Default 5000. */
  countCacheMs?: number;
}

export class SessionMetrics {
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  readonly created: Counter;
  readonly destroyed: Counter;
  readonly expired: Counter;
  readonly regenerated: Counter;
  readonly invalidCookies: Counter;
  readonly revoked: Counter;
  readonly storeErrors: Counter;
  readonly authEvents: Counter;
  readonly storeLatency: Histogram;
  readonly active: Gauge;
  readonly #audit: MetricsOptions['audit'];
  readonly #countCacheMs: number;
  #store: Store | undefined;
  #countedAt = 0;

  constructor(options: MetricsOptions = {}) {
    const p = options.prefix ?? 'sessionkit_';
    this.created = new Counter(`${p}sessions_created_total`, 'Sessions created (first write of a new session).');
    this.destroyed = new Counter(`${p}sessions_destroyed_total`, 'Sessions destroyed (logout, destroyByUser).');
    this.expired = new Counter(
      `${p}sessions_expired_total`,
      'Sessions found expired on load, by reason (idle, absolute).',
    );
    this.regenerated = new Counter(
      `${p}sessions_regenerated_total`,
      'Session ids renewed (login, privilege change, periodic renewal).',
    );
    this.invalidCookies = new Counter(
      `${p}invalid_cookies_total`,
      'Requests with a malformed, forged or unknown session cookie, by reason.',
    );
    this.revoked = new Counter(
      `${p}sessions_revoked_total`,
      'Commits that found their session ended elsewhere (nothing written).',
    );
    this.storeErrors = new Counter(
      `${p}store_errors_total`,
      'Store operations that failed or timed out, by operation.',
    );
    this.authEvents = new Counter(
      `${p}auth_events_total`,
      'Authentication events (login, logout, revocations, binding mismatches, CSRF rejections).',
    );
    this.storeLatency = new Histogram(
      `${p}store_operation_duration_seconds`,
      'Latency of store operations, by operation.',
      options.buckets ?? DEFAULT_BUCKETS,
    );
    this.active = new Gauge(`${p}sessions_active`, 'Live sessions in the store (where it can count them).');
    if (options.audit !== undefined && typeof options.audit !== 'function')
      throw new TypeError('createMetrics: audit must be a function');
    this.#audit = options.audit;
    this.#countCacheMs = options.countCacheMs ?? 5000;
  }

  /** Pass as the manager's `onEvent`. */
  readonly onEvent = (event: SessionEvent): void => {
    switch (event.type) {
      case 'created':
        this.created.inc();
        break;
      case 'destroyed':
        this.destroyed.inc();
        break;
      case 'expired':
        this.expired.inc({ reason: event.reason ?? 'unknown' });
        break;
      case 'regenerated':
        this.regenerated.inc();
        break;
      case 'invalid-cookie':
        this.invalidCookies.inc({ reason: event.reason ?? 'unknown' });
        break;
      case 'revoked':
        this.revoked.inc();
        break;
      case 'store-error':
        this.storeErrors.inc({ operation: event.reason ?? 'unknown', code: event.error?.code ?? 'unknown' });
        break;
    }
    this.#forward(event);
  };

  /** Pass as createAuth's `onEvent`. */
  readonly onAuthEvent = (event: AuthEvent): void => {
    const labels: Record<string, string> = { type: event.type };
    if (event.action) labels.action = event.action;
    this.authEvents.inc(labels);
    this.#forward(event);
  };

  /** Wraps the store so its latency is measured; also used for the active-sessions gauge. */
  instrument(store: Store): Store {
    this.#store = store;
    return instrumentStore(store, (operation, seconds) => this.storeLatency.observe(seconds, { operation }));
  }

  /** The Prometheus text exposition. Counts active sessions first when the store can. */
  async render(): Promise<string> {
    await this.#refreshActive();
    return [
      this.created,
      this.destroyed,
      this.expired,
      this.regenerated,
      this.invalidCookies,
      this.revoked,
      this.storeErrors,
      this.authEvents,
      this.active,
      this.storeLatency,
    ]
      .map((metric) => metric.render())
      .join('');
  }

  async #refreshActive(): Promise<void> {
    const store = this.#store;
    if (!store || typeof store.count !== 'function') return;
    const now = Date.now();
    if (this.active.get() !== undefined && now - this.#countedAt < this.#countCacheMs) return;
    try {
      this.active.set(await store.count());
      this.#countedAt = now;
    } catch {
      // A store that cannot count right now leaves the last value; store errors are counted elsewhere.
    }
  }

  #forward(event: SessionEvent | AuthEvent): void {
    if (!this.#audit) return;
    try {
      this.#audit(event);
    } catch {
      // An audit hook must not break a request.
    }
  }
}

export function createMetrics(options?: MetricsOptions): SessionMetrics {
  return new SessionMetrics(options);
}
