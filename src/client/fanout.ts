/**
 * Follows many controllers from few caller signals with one listener per signal. Node's
 * `addEventListener` looks for a duplicate among a signal's listeners, and `AbortSignal.any` keeps a
 * weak set per source: either way 10,000 waits sharing one shutdown signal cost O(n²) or seconds of
 * garbage on abort. Here each wait costs one Set entry.
 */
export class SignalFanout {
  readonly #followers = new Map<AbortSignal, { controllers: Set<AbortController>; onAbort: () => void }>();

  /** Aborts `controller` with `signal`'s reason when `signal` aborts; returns the function that unlinks. */
  link(signal: AbortSignal, controller: AbortController): () => void {
    if (signal.aborted) {
      controller.abort(signal.reason);
      return noop;
    }
    let entry = this.#followers.get(signal);
    if (entry === undefined) {
      const controllers = new Set<AbortController>();
      const onAbort = () => {
        this.#followers.delete(signal);
        for (const c of controllers) c.abort(signal.reason);
      };
      entry = { controllers, onAbort };
      this.#followers.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    const { controllers } = entry;
    controllers.add(controller);
    return () => {
      controllers.delete(controller);
      if (controllers.size === 0 && this.#followers.get(signal)?.controllers === controllers) {
        this.#followers.delete(signal);
        signal.removeEventListener('abort', (entry as { onAbort: () => void }).onAbort);
      }
    };
  }
}

function noop(): void {}
