/**
 * Where a create may go: the create path, then the adapter's documented fallbacks (none when the caller
 * gives `endpoints.create`). The path that last answered is kept for the client's lifetime.
 */
import type { GatewayId } from '../catalog/index.js';
import { KlingApiError } from '../errors.js';
import type { Logger } from './types.js';

export class CreatePaths {
  readonly #paths: readonly string[];
  /** The create path that last answered (an index into #paths). */
  #index = 0;

  constructor(
    create: string,
    fallbacks: readonly string[],
    private readonly gateway: GatewayId,
    private readonly logger: Logger,
  ) {
    this.#paths = [create, ...fallbacks];
  }

  /**
   * `send` on the remembered create path. Where the adapter documents other create paths and a submit
   * ends in a 404 that the classifier judged 'not-created' (the path does not exist), the next path is
   * tried, each once. A path that answered anything but 404 is remembered. Any other outcome (a
   * may-exist error included) ends the submit as the exchange judged it. A request for another path
   * (not the create path) is sent as it is.
   */
  async send<T>(path: string, send: (path: string) => Promise<T>): Promise<T> {
    const paths = this.#paths;
    if (paths.length === 1 || path !== paths[0]) return send(path);
    for (let offset = 0; ; offset++) {
      const current = this.#at(offset);
      try {
        const result = await send(current);
        this.#remember(current);
        return result;
      } catch (error) {
        const missing = KlingApiError.is(error) && error.status === 404 && error.taskState === 'not-created';
        if (!missing && KlingApiError.is(error)) this.#remember(current);
        if (!missing || offset === paths.length - 1) throw error;
        this.logger.debug?.('kling-sdk: the create path answered 404; trying the next documented one', {
          gateway: this.gateway,
          path: current,
          next: this.#at(offset + 1),
        });
      }
    }
  }

  #at(offset: number): string {
    const paths = this.#paths;
    return paths[(this.#index + offset) % paths.length] ?? (paths[0] as string);
  }

  #remember(path: string): void {
    const index = this.#paths.indexOf(path);
    if (index !== -1) this.#index = index;
  }
}
