/** Caps how many requests are in flight at once (`maxConcurrency`); the rest wait their turn in order. */
export class Limiter {
  #active = 0;
  readonly #queue: (() => void)[] = [];

  constructor(private readonly max: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) await new Promise<void>((resolve) => this.#queue.push(resolve));
    this.#active++;
    try {
      return await work();
    } finally {
      this.#active--;
      this.#queue.shift()?.();
    }
  }
}
