import { GATEWAY_IDS } from '../catalog/index.js';
import { CallbackDispatcher } from './callbacks.js';
import { FaultPlanner } from './faults.js';
import type { ReplyContext, StoredUpload } from './gateways/protocol.js';
import { type TaskRecord, type TaskView, viewTask } from './lifecycle.js';
import { randomSeed, SeededRandom } from './random.js';
import type {
  ApiInOneShape,
  CallbackRecord,
  GatewayId,
  RequestRecord,
  SimulatedTask,
  SimulatedUpload,
  SimulatorOptions,
  SimulatorStats,
} from './types.js';

const DEFAULT_TIME_SCALE = 0.001;
const APIINONE_SHAPES: readonly ApiInOneShape[] = [
  'default',
  'kling',
  'result-urls',
  'output-url',
  'result-urls-camel',
  'result-json',
];

function zeroPerGateway(): Record<GatewayId, number> {
  return Object.fromEntries(GATEWAY_IDS.map((id) => [id, 0])) as Record<GatewayId, number>;
}

interface IdempotencyEntry {
  fingerprint: string;
  taskId: string;
  at: number;
}

/**
 * Everything the simulator remembers: the simulated clock, the seeded PRNGs, tasks, idempotency keys,
 * counters, and the requests it is deliberately leaving hung.
 */
export class SimulatorState {
  readonly seed: number;
  readonly timeScale: number;
  readonly hold: boolean;
  readonly strict: boolean;
  readonly requireExplicitDefaults: boolean;
  readonly maxConcurrentTasks: number | undefined;
  /** Which of Modellix's documented create paths exist (option `modellixCreatePaths`). */
  readonly modellixCreatePaths: readonly ('bare' | 'async')[];
  readonly apiinoneShape: ApiInOneShape;
  readonly stats: SimulatorStats = {
    created: zeroPerGateway(),
    rejected: zeroPerGateway(),
    requests: [],
    uploads: zeroPerGateway(),
    callbacks: [],
  };
  /** Watches tasks that registered a callback and delivers it when they finish. */
  readonly callbacks: CallbackDispatcher;
  /** What the balance endpoints report, in each gateway's unit. */
  readonly balances: Record<GatewayId, number>;
  readonly faults: FaultPlanner;
  /** Ids and render times: a stream of their own, so adding a fault rule does not change the tasks. */
  readonly random: SeededRandom;
  private readonly faultRandom: SeededRandom;
  private readonly now: () => number;
  private epoch: number;
  private readonly taskById = new Map<string, TaskRecord>();
  private readonly idempotency = new Map<string, IdempotencyEntry>();
  private readonly hung = new Set<() => void>();
  private readonly uploadById = new Map<string, { stored: StoredUpload; url: string }>();

  constructor(options: SimulatorOptions) {
    this.seed = options.seed ?? randomSeed();
    this.timeScale = options.timeScale ?? DEFAULT_TIME_SCALE;
    if (!(this.timeScale > 0 && Number.isFinite(this.timeScale))) {
      throw new RangeError(`timeScale must be a positive number, got ${this.timeScale}`);
    }
    this.hold = options.hold ?? false;
    this.strict = options.strict ?? true;
    this.requireExplicitDefaults = options.requireExplicitDefaults ?? false;
    this.maxConcurrentTasks = options.maxConcurrentTasks;
    this.modellixCreatePaths = options.modellixCreatePaths ?? ['bare', 'async'];
    for (const name of this.modellixCreatePaths) {
      if (name !== 'bare' && name !== 'async') {
        throw new RangeError(`modellixCreatePaths may hold 'bare' and 'async', got ${JSON.stringify(name)}`);
      }
    }
    this.apiinoneShape = options.apiinoneShape ?? 'default';
    if (!APIINONE_SHAPES.includes(this.apiinoneShape)) {
      throw new RangeError(
        `apiinoneShape must be one of ${APIINONE_SHAPES.join(', ')}, got ${this.apiinoneShape}`,
      );
    }
    this.now = options.now ?? Date.now;
    this.epoch = this.now();
    this.random = new SeededRandom(this.seed);
    this.faultRandom = new SeededRandom(faultSeed(this.seed));
    this.faults = new FaultPlanner(options.faults ?? [], this.faultRandom);
    this.callbacks = new CallbackDispatcher(this, options.deliverCallbacksTo);
    this.balances = {
      apiinone: 0,
      apiframe: 1000,
      evolink: 1000,
      modellix: 100,
      fal: 0,
      kling: 0,
      ...options.balances,
    };
  }

  /** Where callbacks point for a task (they answer no request, so the origin is the create's). */
  callbackContext(task: TaskRecord): ReplyContext {
    const origin = task.origin ?? 'http://127.0.0.1';
    return {
      origin,
      videoUrl: `${origin}${videoPath(task.id)}`,
      dateOf: (ms) => this.dateOf(ms),
      now: this.clock(),
      apiinoneShape: this.apiinoneShape,
    };
  }

  recordCallback(entry: CallbackRecord): void {
    this.stats.callbacks.push(entry);
  }

  addUpload(stored: StoredUpload, url: string): void {
    this.uploadById.set(stored.id, { stored, url });
    this.stats.uploads[stored.gateway] += 1;
  }

  findUpload(id: string): StoredUpload | undefined {
    return this.uploadById.get(id)?.stored;
  }

  uploadList(): SimulatedUpload[] {
    return [...this.uploadById.values()].map(({ stored, url }) => ({
      gateway: stored.gateway,
      id: stored.id,
      url,
      filename: stored.filename,
      contentType: stored.contentType,
      bytes: stored.bytes.length,
      createdAt: stored.createdAt,
    }));
  }

  /** Simulated ms since start: wall time elapsed divided by the time scale. */
  clock(): number {
    return (this.now() - this.epoch) / this.timeScale;
  }

  /** The epoch-ms date a simulated instant stands for, for the timestamps gateways report. */
  dateOf(simulatedMs: number): number {
    return this.epoch + simulatedMs;
  }

  record(entry: RequestRecord): void {
    this.stats.requests.push(entry);
  }

  findTask(id: string): TaskRecord | undefined {
    return this.taskById.get(id);
  }

  /** The tasks one gateway created, oldest first. */
  tasksOf(gateway: GatewayId): TaskRecord[] {
    return [...this.taskById.values()].filter((task) => task.gateway === gateway);
  }

  addTask(task: TaskRecord): void {
    this.taskById.set(task.id, task);
    this.stats.created[task.gateway] += 1;
  }

  view(task: TaskRecord): TaskView {
    return viewTask(task, this.clock());
  }

  /** The task an idempotency key (scoped by API key) already created within the window, if any. */
  recall(scope: string, windowMs: number): IdempotencyEntry | undefined {
    const entry = this.idempotency.get(scope);
    return entry !== undefined && this.clock() - entry.at < windowMs ? entry : undefined;
  }

  remember(scope: string, fingerprint: string, taskId: string): void {
    this.idempotency.set(scope, { fingerprint, taskId, at: this.clock() });
  }

  release(taskId?: string): void {
    if (taskId !== undefined && !this.taskById.has(taskId)) {
      throw new Error(`release: the simulator has no task ${taskId}`);
    }
    const now = this.clock();
    for (const task of this.taskById.values()) {
      if (!task.held || (taskId !== undefined && task.id !== taskId)) continue;
      task.held = false;
      task.releasedAt = now;
    }
    this.callbacks.kick();
  }

  snapshot(): SimulatedTask[] {
    return [...this.taskById.values()].map((task) => {
      const view = this.view(task);
      const snapshot: SimulatedTask = {
        gateway: task.gateway,
        id: task.id,
        state: view.state,
        progress: view.progress,
        request: structuredClone(task.body),
        createdAt: task.createdAt,
        renderMs: task.renderMs,
        held: task.held,
        failing: task.failing,
        videoPath: videoPath(task.id),
      };
      if (view.finishedAt !== undefined) snapshot.finishedAt = view.finishedAt;
      if (task.idempotencyKey !== undefined) snapshot.idempotencyKey = task.idempotencyKey;
      return snapshot;
    });
  }

  /** Resolves when the request is aborted by its client, or when hung requests are ended. */
  untilEnded(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const end = (): void => {
        this.hung.delete(end);
        signal?.removeEventListener('abort', end);
        resolve();
      };
      if (signal?.aborted) return resolve();
      this.hung.add(end);
      signal?.addEventListener('abort', end, { once: true });
    });
  }

  endHungRequests(): void {
    for (const end of [...this.hung]) end();
  }

  reset(): void {
    this.endHungRequests();
    this.callbacks.stop();
    this.uploadById.clear();
    this.stats.callbacks.length = 0;
    this.taskById.clear();
    this.idempotency.clear();
    for (const id of GATEWAY_IDS) {
      this.stats.created[id] = 0;
      this.stats.rejected[id] = 0;
      this.stats.uploads[id] = 0;
    }
    this.stats.requests.length = 0;
    this.random.reseed(this.seed);
    this.faultRandom.reseed(faultSeed(this.seed));
    this.faults.reset();
    this.epoch = this.now();
  }
}

function faultSeed(seed: number): number {
  return (seed ^ 0x5bd1e995) >>> 0;
}

export function videoPath(taskId: string): string {
  return `/files/${encodeURIComponent(taskId)}.mp4`;
}
