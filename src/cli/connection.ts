import type { Command } from 'commander';
import { GATEWAY_IDS, type GatewayId, isGatewayId, KlingClient, type KlingClientOptions } from 'kling-sdk';
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
    ...(flags.apiKey === undefined ? {} : { apiKey: flags.apiKey }),
    ...(flags.baseUrl === undefined ? {} : { baseUrl: flags.baseUrl }),
  });
  return { client, sandbox: false, close: () => client.close() };
}

/** A positive number of seconds from a flag, in ms. */
export function secondsFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new CliError(EXIT.usage, `${name} ${value}: expected a positive number of seconds`);
  }
  return Math.round(seconds * 1000);
}

/** A non-negative number from a flag. */
export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new CliError(EXIT.usage, `${name} ${value}: expected a non-negative number`);
  }
  return n;
}
