#!/usr/bin/env node
/**
 * The `kling` command (the package's bin). A thin layer over the public API: every command is a few
 * calls to `kling-sdk`, and `--sandbox`/`kling simulator` load `kling-sdk/testing` (msw) on demand.
 */
import { EXIT, Interrupted } from './exit-codes.js';
import { main } from './main.js';

const controller = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
  interrupts++;
  // A second Ctrl-C while the first one is being handled: leave at once.
  if (interrupts > 1) process.exit(EXIT.interrupted);
  controller.abort(new Interrupted());
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await main(process.argv.slice(2), {
  streams: process,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exit(code);
