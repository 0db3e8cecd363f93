import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, kling, TEST_TIMEOUT_MS } from './helpers.js';

beforeAll(ensureBuilt, 600_000);

const COMMANDS = ['quote', 'estimate', 'generate', 'status', 'wait', 'balance', 'simulator'];

describe('kling --help', { timeout: TEST_TIMEOUT_MS }, () => {
  it('lists every command and documents the exit codes', async () => {
    const { code, stdout } = await kling(['--help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    for (const exit of ['0', '1', '2', '3', '4', '5', '6', '7', '130']) {
      expect(stdout).toMatch(new RegExp(`^  ${exit} +\\S`, 'm'));
    }
  });

  it.each(COMMANDS)('%s --help describes its flags and the exit codes', async (command) => {
    const { code, stdout } = await kling([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: kling ${command}`);
    expect(stdout).toContain('Exit codes:');
    expect(stdout).toContain('--help');
  });

  it('names a flag for every request field on generate', async () => {
    const { stdout } = await kling(['generate', '--help']);
    for (const flag of [
      '--prompt',
      '--negative-prompt',
      '--mode',
      '--duration',
      '--aspect-ratio',
      '--sound',
      '--no-sound',
      '--start-image',
      '--end-image',
      '--reference-image',
      '--reference-video',
      '--shot',
      '--multi-shot',
      '--element',
      '--watermark',
      '--no-watermark',
      '--callback-url',
      '--provider-option',
      '--gateway',
      '--base-url',
      '--api-key',
      '--out',
      '--yes',
      '--json',
      '--sandbox',
      '--max-cost',
      '--timeout',
    ]) {
      expect(stdout).toMatch(new RegExp(`${flag}\\b`));
    }
  });

  it('kling help <command> works too, and --version prints the package version', async () => {
    expect((await kling(['help', 'wait'])).stdout).toContain('Usage: kling wait');
    const version = await kling(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 on usage errors: unknown flag, unknown command, missing argument, no command', async () => {
    for (const args of [['quote', '--colour'], ['frobnicate'], ['status'], []]) {
      const result = await kling(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.length, args.join(' ')).toBeGreaterThan(0);
    }
  });
});
