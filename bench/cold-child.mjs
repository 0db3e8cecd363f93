// One cold start, in a fresh process (bench/cold-start.ts runs it): prints how many ms after the
// process started (`performance.now()` counts from the process's start) the step was done.
// Plain JavaScript with no imports of its own, so every variant pays the same for this file.
const [mode, url, taskId] = process.argv.slice(2);
const apiKey = 'sk-bench-0123456789';
let ms;
switch (mode) {
  case 'kling-import':
    await import('kling-sdk');
    ms = performance.now();
    break;
  case 'openai-import':
    await import('openai');
    ms = performance.now();
    break;
  case 'kling-request': {
    const { KlingClient } = await import('kling-sdk');
    const client = new KlingClient({ gateway: 'evolink', apiKey, baseUrl: url });
    const task = await client.getTask(taskId);
    ms = performance.now();
    if (task.id !== taskId) throw new Error('wrong task');
    await client.close();
    break;
  }
  case 'openai-request': {
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 2 });
    const task = await client.get(`/tasks/${taskId}`);
    ms = performance.now();
    if (task.id !== taskId) throw new Error('wrong task');
    break;
  }
  case 'pricing-import': {
    // Inside the process: from just before the import to its end.
    const start = performance.now();
    await import('kling-sdk/pricing');
    ms = performance.now() - start;
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(`${JSON.stringify({ ms })}\n`);
