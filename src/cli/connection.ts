import type { Command } from 'commander';
import {
  GATEWAY_IDS,
  GATEWAYS,
  type GatewayId,
  isGatewayId,
  KlingClient,
  type KlingClientOptions,
} from 'kling-sdk';
import { CliError, EXIT } from './exit-codes.js';

type Testing = typeof import('kling-sdk/testing');

export interface GatewayFlags {
  gateway?: string;
}

export interface ConnectionFlags extends GatewayFlags {
  baseUrl?: string;
  apiKey?: string;
  sandbox?: boolean;
}

export function addGatewayOption(command: Command): Command {
  return command.option('--gateway <id>', `${GATEWAY_IDS.join(', ')} (default: $KLING_GATEWAY)`);
}

export function addConnectionOptions(command: Command, { sandbox }: { sandbox: boolean }): Command {
  addGatewayOption(command)
    .option(
      '--base-url <origin>',
      "the gateway's origin (default: its production API), e.g. a local simulator",
    )
    .option('--api-key <key>', "the API key (default: the gateway's variable, e.g. EVOLINK_API_KEY)");
  if (sandbox) {
    command.option('--sandbox', 'run against the in-process gateway simulator: no key, no spend (needs msw)');
  }
  return command;
}

/** The gateway from --gateway or $KLING_GATEWAY; a usage error when missing or unknown. */
export function gatewayFrom(flags: GatewayFlags, env: NodeJS.ProcessEnv): GatewayId {
  const value = flags.gateway ?? env.KLING_GATEWAY;
  if (value === undefined || value === '') {
    throw new CliError(
      EXIT.usage,
      `--gateway is required: one of ${GATEWAY_IDS.join(', ')} (kling quote compares them)`,
    );
  }
  if (!isGatewayId(value)) {
    throw new CliError(
      EXIT.usage,
      `--gateway ${value}: unknown gateway; use one of ${GATEWAY_IDS.join(', ')}`,
    );
  }
  return value;
}

/** `kling-sdk/testing`, which needs the optional peer msw: a clear usage error when it is missing. */
export async function loadTesting(what: string): Promise<Testing> {
  try {
    return await import('kling-sdk/testing');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : String(error);
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /['"]msw['"/]/.test(message)) {
      throw new CliError(EXIT.usage, `${what} needs the optional dependency msw: npm i -D msw`);
    }
    throw error;
  }
}

export interface Connection {
  client: KlingClient;
  /** Whether the client talks to the in-process simulator. */
  sandbox: boolean;
  close(): Promise<void>;
}

/** A client for the flags: the real gateway, one at --base-url, or (--sandbox) an in-process simulator. */
export async function connect(
  gateway: GatewayId,
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
  extra: Partial<Omit<KlingClientOptions, 'gateway' | 'apiKey' | 'baseUrl' | 'clock'>> = {},
): Promise<Connection> {
  if (flags.sandbox === true) {
    if (flags.baseUrl !== undefined) {
      throw new CliError(EXIT.usage, '--sandbox runs its own simulator: drop --base-url');
    }
    const { startGatewaySimulator } = await loadTesting('--sandbox');
    const sim = await startGatewaySimulator({ timeScale: 0.01 });
    try {
      const client = new KlingClient({
        ...extra,
        gateway,
        apiKey: flags.apiKey ?? 'sandbox',
        baseUrl: sim.url,
        clock: sim.clientClock,
      });
      return {
        client,
        sandbox: true,
        close: async () => {
          await client.close();
          await sim.close();
        },
      };
    } catch (error) {
      await sim.close();
      throw error;
    }
  }
  const client = new KlingClient({
    ...extra,
    gateway,
    apiKey: apiKeyFrom(gateway, flags, env),
    ...(flags.baseUrl === undefined ? {} : { baseUrl: flags.baseUrl }),
  });
  return { client, sandbox: false, close: () => client.close() };
}

/** The key from --api-key or the gateway's variable; a usage error naming both when there is none. */
function apiKeyFrom(gateway: GatewayId, flags: ConnectionFlags, env: NodeJS.ProcessEnv): string {
  const variable = GATEWAYS[gateway].apiKeyEnv;
  const key = flags.apiKey ?? env[variable];
  if (key === undefined || key === '') {
    throw new CliError(
      EXIT.usage,
      `no API key for ${gateway} (${GATEWAYS[gateway].vendor}): pass --api-key <key> or set ${variable}. Nothing was sent.`,
    );
  }
  return key;
}

/** A plain decimal: "5", "0.5", ".5". Not "", "-1", "1e3", "0x10", "NaN", "Infinity" or "0.1usd". */
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/** Bounds of a seconds flag, documented in its help. */
export interface SecondsBounds {
  min: number;
  max: number;
}

/** `--timeout`: from 0.1 s to a day (video links expire after 24 h; no vendor queues a task that long). */
export const TIMEOUT_SECONDS: SecondsBounds = { min: 0.1, max: 24 * 60 * 60 };
/** `--poll-interval`: from 0.1 s (a local simulator) to an hour. */
export const POLL_INTERVAL_SECONDS: SecondsBounds = { min: 0.1, max: 60 * 60 };

/** "0.1–86400": a flag's bounds for its help text. */
export function boundsText({ min, max }: SecondsBounds): string {
  return `${min}–${max}`;
}

/** A number of seconds from a flag within `bounds`, in ms; a usage error otherwise. */
export function secondsFlag(
  name: string,
  value: string | undefined,
  bounds: SecondsBounds,
): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!DECIMAL.test(value.trim()) || !(seconds >= bounds.min && seconds <= bounds.max)) {
    throw new CliError(
      EXIT.usage,
      `${name} ${JSON.stringify(value)}: expected a number of seconds from ${bounds.min} to ${bounds.max}`,
    );
  }
  return Math.round(seconds * 1000);
}

/**
 * A non-negative decimal number from a flag; a usage error for anything else (nothing is sent), so a
 * malformed `--max-cost` can never reach a submit.
 */
export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!DECIMAL.test(value.trim()) || !Number.isFinite(n)) {
    throw new CliError(
      EXIT.usage,
      `${name} ${JSON.stringify(value)}: expected a non-negative decimal number, e.g. 1.5`,
    );
  }
  return n;
}
