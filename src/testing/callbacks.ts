/**
 * Callback delivery. The task state machine is a pure function of the simulated clock, so nothing
 * "happens" when a render ends; this wakes up when it does (and at apiframe's progress steps, when
 * asked for) and POSTs what the gateway would, to the URL the task registered or wherever
 * `deliverCallbacksTo` sends it. Deliveries for one task go out in order, one at a time.
 */
import type { CallbackEvent, CallbackProtocol, ReplyContext } from './gateways/protocol.js';
import type { TaskRecord, TaskView } from './lifecycle.js';
import { QUEUED_SHARE } from './lifecycle.js';
import type { CallbackRecord, SimulatorOptions } from './types.js';

/** What the dispatcher needs from the simulator's state. */
export interface CallbackHost {
  readonly timeScale: number;
  clock(): number;
  view(task: TaskRecord): TaskView;
  callbackContext(task: TaskRecord): ReplyContext;
  recordCallback(entry: CallbackRecord): void;
}

/** apiframe `progress` events go out as the render passes these percentages. */
const PROGRESS_STEPS = [25, 50, 75] as const;
/** Longest single timer (setTimeout's limit is 2^31-1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Watch {
  task: TaskRecord;
  protocol: CallbackProtocol;
  url: string;
  events: readonly CallbackEvent[];
  progressSent: number;
  finished: boolean;
  timer?: ReturnType<typeof setTimeout>;
  /** The deliveries so far, chained so the receiver sees them in order. */
  chain: Promise<void>;
}

export class CallbackDispatcher {
  private readonly watches = new Map<string, Watch>();
  private readonly inFlight = new Set<AbortController>();
  private readonly sleeps = new Set<() => void>();
  /** Bumped by reset and stop, so deliveries of an earlier run record nothing. */
  private generation = 0;

  /** `deliverCallbacksTo` as the origin every callback URL's origin is replaced with, or the function. */
  private readonly deliverTo: string | ((callbackUrl: string) => string | undefined) | undefined;

  constructor(
    private readonly host: CallbackHost,
    deliverTo: SimulatorOptions['deliverCallbacksTo'],
  ) {
    this.deliverTo = typeof deliverTo === 'string' ? deliveryOrigin(deliverTo) : deliverTo;
  }

  /** Starts watching a new task, if its create (body, or URL: `createUrl`) registered a callback. */
  watch(task: TaskRecord, protocol: CallbackProtocol | undefined, createUrl?: string): void {
    const target = protocol?.target(task.body, createUrl);
    if (protocol === undefined || target === undefined || target.events.length === 0) return;
    task.webhookStatus = 'pending';
    this.watches.set(task.id, {
      task,
      protocol,
      url: target.url,
      events: target.events,
      progressSent: 0,
      finished: false,
      chain: Promise.resolve(),
    });
    this.schedule(task.id);
  }

  /** Re-plans every watch (after `release()` changed when held renders end). */
  kick(): void {
    for (const id of this.watches.keys()) this.schedule(id);
  }

  /** Forgets every watch and abandons deliveries in flight (reset and close). */
  stop(): void {
    this.generation++;
    for (const watch of this.watches.values()) clearTimeout(watch.timer);
    this.watches.clear();
    for (const controller of this.inFlight) controller.abort();
    for (const wake of [...this.sleeps]) wake();
  }

  private schedule(id: string): void {
    const watch = this.watches.get(id);
    if (watch === undefined || watch.finished) return;
    clearTimeout(watch.timer);
    const { task } = watch;
    const now = this.host.clock();
    const due: number[] = [];
    if (!task.held) due.push(Math.max(task.createdAt + task.renderMs, task.releasedAt ?? 0));
    const step = PROGRESS_STEPS[watch.progressSent];
    if (watch.events.includes('progress') && step !== undefined) {
      const queuedMs = task.renderMs * QUEUED_SHARE;
      due.push(task.createdAt + queuedMs + ((task.renderMs - queuedMs) * step) / 100);
    }
    // A held render with no progress events to send waits for `kick()`.
    if (due.length === 0) return;
    const wallMs = Math.min(
      MAX_TIMER_MS,
      Math.max(1, Math.ceil((Math.min(...due) - now) * this.host.timeScale)),
    );
    watch.timer = setTimeout(() => this.tick(id), wallMs);
    watch.timer.unref?.();
  }

  private tick(id: string): void {
    const watch = this.watches.get(id);
    if (watch === undefined) return;
    const view = this.host.view(watch.task);
    if (view.state === 'running' && watch.events.includes('progress')) {
      // One event per step passed (two at once if a timer ran late), each with the progress now.
      const passed = PROGRESS_STEPS.filter((step) => view.progress >= step).length;
      for (; watch.progressSent < passed; watch.progressSent++) this.enqueue(watch, 'progress', view);
    }
    if (view.state === 'succeeded' || view.state === 'failed') {
      watch.finished = true;
      const event: CallbackEvent = view.state === 'succeeded' ? 'completed' : 'failed';
      if (watch.events.includes(event)) this.enqueue(watch, event, view);
      else delete watch.task.webhookStatus;
      return;
    }
    this.schedule(id);
  }

  private enqueue(watch: Watch, event: CallbackEvent, view: TaskView): void {
    const generation = this.generation;
    watch.chain = watch.chain.then(() => this.deliver(watch, event, view, generation));
  }

  private async deliver(
    watch: Watch,
    event: CallbackEvent,
    view: TaskView,
    generation: number,
  ): Promise<void> {
    const { task, protocol } = watch;
    const record = (entry: Omit<CallbackRecord, 'gateway' | 'taskId' | 'event' | 'url' | 'at'>) => {
      if (generation !== this.generation) return;
      this.host.recordCallback({
        gateway: task.gateway,
        taskId: task.id,
        event,
        url: watch.url,
        at: this.host.clock(),
        ...entry,
      });
    };
    const target = this.targetOf(watch.url);
    if (target === undefined) {
      record({ attempt: 1, status: 'skipped' });
      return;
    }
    const { body, headers } = protocol.request(
      task,
      view,
      this.host.callbackContext(task),
      event,
      task.apiKey ?? '',
    );
    const attempts = protocol.retryDelaysMs.length + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (generation !== this.generation) return;
      const status = await this.post(target, body, headers, protocol.timeoutMs);
      record({ target, attempt, status });
      if (typeof status === 'number' && status >= 200 && status < 300) {
        if (event !== 'progress') task.webhookStatus = 'delivered';
        return;
      }
      const wait = protocol.retryDelaysMs[attempt - 1];
      if (wait !== undefined) await this.sleep(wait * this.host.timeScale);
    }
    if (event !== 'progress') task.webhookStatus = 'failed';
  }

  private targetOf(url: string): string | undefined {
    const { deliverTo } = this;
    if (deliverTo === undefined) return undefined;
    if (typeof deliverTo === 'function') return deliverTo(url);
    const registered = new URL(url);
    return `${deliverTo}${registered.pathname}${registered.search}`;
  }

  private async post(
    url: string,
    body: string,
    headers: Record<string, string>,
    timeoutMs: number,
  ): Promise<number | 'error'> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: controller.signal,
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.status;
    } catch {
      return 'error';
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      timer.unref?.();
      this.sleeps.add(wake);
    });
  }
}

/**
 * The origin of a `deliverCallbacksTo` string: an http(s) URL with nothing past its origin (a trailing
 * `/` is fine). A path, query, fragment or credentials would be dropped without a word, so they are
 * refused with a RangeError, as the simulator's other impossible options are.
 */
export function deliveryOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError(
      `deliverCallbacksTo must be an http(s) origin, e.g. http://127.0.0.1:4321, got ${JSON.stringify(value)}`,
    );
  }
  const problem =
    url.protocol !== 'http:' && url.protocol !== 'https:'
      ? `its scheme is ${url.protocol.slice(0, -1)}`
      : url.username !== '' || url.password !== ''
        ? 'it holds credentials'
        : url.pathname !== '/' ||
            url.search !== '' ||
            url.hash !== '' ||
            value.endsWith('?') ||
            value.endsWith('#')
          ? 'only the origin is used (the callback URL keeps its own path and query)'
          : undefined;
  if (problem !== undefined) {
    throw new RangeError(
      `deliverCallbacksTo must be an http(s) origin, e.g. http://127.0.0.1:4321, got ${JSON.stringify(value)}: ${problem}`,
    );
  }
  return url.origin;
}
