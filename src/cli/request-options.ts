import type { Command } from 'commander';
import {
  ASPECT_RATIOS,
  GATEWAY_IDS,
  type GatewayId,
  isGatewayId,
  MODES,
  parseVideoRequest,
  type ResolvedVideoRequest,
} from 'kling-sdk';
import { CliError, EXIT } from './exit-codes.js';

/** The request flags as commander hands them over (named after the VideoRequest fields). */
export interface RequestFlags {
  prompt?: string;
  negativePrompt?: string;
  mode?: string;
  duration?: string;
  aspectRatio?: string;
  sound?: boolean;
  startImage?: string;
  endImage?: string;
  referenceImage: string[];
  referenceVideo: string[];
  shot: string[];
  multiShot?: string;
  element: string[];
  watermark?: boolean;
  callbackUrl?: string;
  providerOption: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds one flag per VideoRequest field. */
export function addRequestOptions(command: Command): Command {
  return command
    .option('--prompt <text>', 'what the video shows (at most 2500 characters)')
    .option('--negative-prompt <text>', 'what to keep out of the video')
    .option('--mode <mode>', `quality: ${MODES.join(', ')} (default std)`)
    .option('--duration <seconds>', 'whole seconds, 3–15 (default 5)')
    .option('--aspect-ratio <ratio>', `${ASPECT_RATIOS.join(', ')} (default: the gateway's)`)
    .option('--sound', 'generate audio (default off)')
    .option('--no-sound', 'no audio')
    .option('--start-image <url|path>', 'first frame: an http(s) URL, or a local file the client uploads')
    .option('--end-image <url|path>', 'last frame (needs --start-image)')
    .option('--reference-image <url|path>', 'a reference image (repeatable)', collect, [])
    .option('--reference-video <url>', 'a reference video (at most one)', collect, [])
    .option(
      '--shot <seconds:prompt>',
      'one shot of a custom multi-shot video, e.g. "3:a fox runs" (repeatable)',
      collect,
      [],
    )
    .option(
      '--multi-shot <type>',
      "'intelligence' (the gateway plans the shots) or 'customize' (with --shot)",
    )
    .option('--element <id>', 'a pre-trained element id (repeatable, at most 3)', collect, [])
    .option('--watermark', 'ask for a watermark')
    .option('--no-watermark', 'ask for no watermark')
    .option('--callback-url <url>', 'https URL the gateway notifies when the task ends')
    .option(
      '--provider-option <[gateway.]key=value>',
      'a raw extra field for the gateway; the value is JSON, else a string (repeatable)',
      collect,
      [],
    );
}

/** A number where the text is one, else the text itself (so validation reports it with its path). */
function numberOrText(text: string): number | string {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? Number(text) : text;
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function multiShot(flags: RequestFlags): Record<string, unknown> | undefined {
  if (flags.shot.length > 0) {
    if (flags.multiShot !== undefined && flags.multiShot !== 'customize') {
      throw new CliError(
        EXIT.usage,
        `--shot builds a 'customize' multi-shot video; it can't go with --multi-shot ${flags.multiShot}`,
      );
    }
    const shots = flags.shot.map((spec) => {
      const colon = spec.indexOf(':');
      if (colon < 0) return { duration: spec, prompt: '' };
      return { duration: numberOrText(spec.slice(0, colon)), prompt: spec.slice(colon + 1).trim() };
    });
    return { type: 'customize', shots };
  }
  if (flags.multiShot === undefined) return undefined;
  return flags.multiShot === 'customize' ? { type: 'customize', shots: [] } : { type: flags.multiShot };
}

function providerOptions(flags: RequestFlags, gateway: GatewayId | undefined): Record<string, unknown> {
  const options: Record<string, Record<string, unknown>> = {};
  for (const spec of flags.providerOption) {
    const equals = spec.indexOf('=');
    if (equals <= 0) {
      throw new CliError(EXIT.usage, `--provider-option ${spec}: expected [gateway.]key=value`);
    }
    let key = spec.slice(0, equals);
    let target = gateway;
    const dot = key.indexOf('.');
    const prefix = dot > 0 ? key.slice(0, dot) : undefined;
    if (prefix !== undefined && isGatewayId(prefix)) {
      target = prefix;
      key = key.slice(dot + 1);
    }
    if (target === undefined) {
      throw new CliError(
        EXIT.usage,
        `--provider-option ${spec}: name the gateway (${GATEWAY_IDS.map((g) => `${g}.${key}`).join(', ')}) or pass --gateway`,
      );
    }
    options[target] ??= {};
    (options[target] as Record<string, unknown>)[key] = jsonOrText(spec.slice(equals + 1));
  }
  return options;
}

/**
 * The VideoRequest the flags describe, validated: a `KlingValidationError` lists every problem with
 * its path (exit 2). `gateway` is where unprefixed `--provider-option`s go.
 */
export function requestFromFlags(flags: RequestFlags, gateway?: GatewayId): ResolvedVideoRequest {
  const raw: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) raw[key] = value;
  };
  set('prompt', flags.prompt);
  set('negativePrompt', flags.negativePrompt);
  set('mode', flags.mode);
  set('duration', flags.duration === undefined ? undefined : numberOrText(flags.duration));
  set('aspectRatio', flags.aspectRatio);
  set('sound', flags.sound);
  set('startImage', flags.startImage);
  set('endImage', flags.endImage);
  if (flags.referenceImage.length > 0) set('referenceImages', flags.referenceImage);
  if (flags.referenceVideo.length > 0) set('referenceVideos', flags.referenceVideo);
  set('multiShot', multiShot(flags));
  if (flags.element.length > 0)
    set(
      'elements',
      flags.element.map((id) => ({ id })),
    );
  set('watermark', flags.watermark);
  set('callbackUrl', flags.callbackUrl);
  const extra = providerOptions(flags, gateway);
  if (Object.keys(extra).length > 0) set('providerOptions', extra);
  return parseVideoRequest(raw);
}
