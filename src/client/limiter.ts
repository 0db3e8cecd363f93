/** Caps how many requests are in flight at once (`maxConcurrency`); the rest wait their turn in order. */
export class Limiter {
  #active = 0;
  // A queue with a moving head: `shift()` on an array of 10,000 waiters copies the rest every time.
  #queue: (() => void)[] = [];
  #head = 0;

  constructor(private readonly max: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#active++;
    try {
      return await work();
    } finally {
      this.#active--;
      this.#next();
    }
  }

  #next(): void {
    if (this.#head >= this.#queue.length) return;
    const wake = this.#queue[this.#head];
    this.#queue[this.#head] = noop; // drop the reference now, not when the queue is compacted
    this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    wake?.();
  }
}

function noop(): void {}
