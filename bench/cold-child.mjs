// One cold start, in a fresh process (bench/cold-start.ts runs it). Prints one JSON line:
// - `*-import`: `ms` is the import alone, from just before `import()` to its end, inside the process, and
//   `cpuMs` the CPU time (user + system, all threads) spent meanwhile; `sinceStart` is when it was done,
//   counted from the process's start (`performance.now()`);
// - `*-request`: `ms` is process start → the first answer received, `cpuMs` the process's CPU time by then.
// Plain JavaScript with no imports of its own, so every variant pays the same for this file.
// `BENCH_DIST=<dir>` loads kling-sdk from that build instead of the package's own dist/ (by name).
const [mode, url, taskId] = process.argv.slice(2);
const apiKey = 'sk-bench-0123456789';
const dist = process.env.BENCH_DIST;
const kling = dist === undefined ? 'kling-sdk' : `file://${dist}/index.js`;
const pricing = dist === undefined ? 'kling-sdk/pricing' : `file://${dist}/pricing.js`;
const cpuMs = (usage) => (usage.user + usage.system) / 1000;

async function timedImport(specifier) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await import(specifier);
  const end = performance.now();
  return { ms: end - start, cpuMs: cpuMs(process.cpuUsage(cpu)), sinceStart: end };
}

let result;
switch (mode) {
  case 'kling-import':
    result = await timedImport(kling);
    break;
  case 'openai-import':
    result = await timedImport('openai');
    break;
  case 'kling-request': {
    const { KlingClient } = await import(kling);
    const client = new KlingClient({ gateway: 'evolink', apiKey, baseUrl: url });
    const task = await client.getTask(taskId);
    result = { ms: performance.now(), cpuMs: cpuMs(process.cpuUsage()) };
    if (task.id !== taskId) throw new Error('wrong task');
    await client.close();
    break;
  }
  case 'openai-request': {
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 2 });
    const task = await client.get(`/tasks/${taskId}`);
    result = { ms: performance.now(), cpuMs: cpuMs(process.cpuUsage()) };
    if (task.id !== taskId) throw new Error('wrong task');
    break;
  }
  case 'pricing-import':
    result = await timedImport(pricing);
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
