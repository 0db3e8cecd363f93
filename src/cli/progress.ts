import cliProgress from 'cli-progress';
import { GATEWAYS, type GatewayId, RENDER_TIMES, type Task } from 'kling-sdk';
import type { Output } from './io.js';

const BAR = cliProgress.Presets.shades_classic;

/**
 * The render bar: the gateway's own progress where it reports one, else the time elapsed against the
 * longest published render time (capped at 99% until the task is done). On a terminal only; elsewhere
 * one line per status change (and nothing with --json).
 */
export class RenderProgress {
  readonly #out: Output;
  readonly #gateway: GatewayId;
  readonly #startedAt = Date.now();
  #bar: cliProgress.SingleBar | undefined;
  #ticker: NodeJS.Timeout | undefined;
  #lastStatus: string | undefined;
  #reported = false;

  constructor(out: Output, gateway: GatewayId) {
    this.#out = out;
    this.#gateway = gateway;
    if (!out.interactive) return;
    this.#bar = new cliProgress.SingleBar(
      {
        format: 'rendering  |{bar}| {percentage}% | {status} | {duration_formatted}',
        stream: out.streams.stderr,
        hideCursor: true,
        etaBuffer: 1,
      },
      BAR,
    );
    this.#bar.start(100, 0, { status: 'submitted' });
    this.#ticker = setInterval(() => this.#tick(), 500);
    this.#ticker.unref();
  }

  update(task: Task): void {
    if (task.progress !== undefined) this.#reported = true;
    const label =
      task.status === 'running' && !this.#reported
        ? `running (${GATEWAYS[this.#gateway].vendor} reports no progress: time elapsed)`
        : task.status;
    if (this.#bar !== undefined) {
      const value = task.status === 'succeeded' ? 100 : this.#value(task);
      this.#bar.update(value, { status: label });
    } else if (task.status !== this.#lastStatus) {
      const percent = task.progress === undefined ? '' : ` ${Math.round(task.progress)}%`;
      this.#out.note(`status: ${task.status}${percent}`);
    }
    this.#lastStatus = task.status;
  }

  stop(): void {
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    this.#bar?.stop();
    this.#bar = undefined;
  }

  #value(task: Task): number {
    if (task.progress !== undefined) return Math.max(0, Math.min(99, task.progress));
    return this.#elapsedShare();
  }

  #elapsedShare(): number {
    const seconds = (Date.now() - this.#startedAt) / 1000;
    return Math.min(99, Math.floor((seconds / RENDER_TIMES[this.#gateway].maxSeconds) * 100));
  }

  #tick(): void {
    if (this.#bar === undefined || this.#reported) return;
    this.#bar.update(this.#elapsedShare());
  }
}

/** The download bar: bytes against Content-Length where the server sent one. */
export class DownloadProgress {
  readonly #out: Output;
  #bar: cliProgress.SingleBar | undefined;

  constructor(out: Output) {
    this.#out = out;
  }

  readonly onProgress = ({ bytes, totalBytes }: { bytes: number; totalBytes?: number }): void => {
    if (!this.#out.interactive) return;
    if (this.#bar === undefined) {
      this.#bar = new cliProgress.SingleBar(
        {
          format:
            totalBytes === undefined
              ? 'downloading {value} bytes | {duration_formatted}'
              : 'downloading |{bar}| {percentage}% | {value}/{total} bytes',
          stream: this.#out.streams.stderr,
          hideCursor: true,
        },
        BAR,
      );
      this.#bar.start(totalBytes ?? 0, bytes);
      return;
    }
    this.#bar.update(bytes);
  };

  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}
