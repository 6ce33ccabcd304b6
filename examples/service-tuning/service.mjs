// A stand-in inference service: its accuracy and speed depend on env params, the way a vLLM server's do.
//   PORT         where to listen (default 8000)
//   MAX_BATCH    1..64: bigger batches answer faster; above 16 accuracy starts to drop
//   QUANT        fp16 | int8: int8 is faster and less accurate
//   MEM_UTIL     0..1: above 0.97 the "GPU" runs out of memory and the service dies at startup
//   WARMUP_MS    how long loading takes before the port opens (default 150)
//   FLAKY_EVERY  every Nth /generate request fails with 500 (0 = never)
//   CRASH_AFTER  the service dies (exit 1) at its Nth /generate request, as under load (0 = never)
//   ENGINE_WORKERS  child processes started at once, like vLLM's engine workers (default 0); they stay in the
//                service's process group and end with it
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';

const env = (name, fallback) => process.env[name] ?? fallback;
const port = Number(env('PORT', '8000'));
const maxBatch = Number(env('MAX_BATCH', '8'));
const quant = env('QUANT', 'fp16');
const memUtil = Number(env('MEM_UTIL', '0.9'));
const warmupMs = Number(env('WARMUP_MS', '150'));
const flakyEvery = Number(env('FLAKY_EVERY', '0'));
const crashAfter = Number(env('CRASH_AFTER', '0'));
const engineWorkers = Number(env('ENGINE_WORKERS', '0'));

const ANSWER_TOKENS = 64;
const PROMPT_TOKENS = 32;

if (!Number.isFinite(maxBatch) || maxBatch < 1) {
  console.error(`MAX_BATCH must be a number >= 1, got ${process.env.MAX_BATCH}`);
  process.exit(2);
}

function accuracy() {
  let acc = 0.9;
  if (maxBatch > 16) acc -= 0.01 * Math.log2(maxBatch / 16);
  if (quant === 'int8') acc -= 0.03;
  return acc;
}

function latencyMs() {
  return (ANSWER_TOKENS * 0.4 * (quant === 'int8' ? 0.66 : 1)) / Math.sqrt(Math.min(maxBatch, 32));
}

console.log(`loading model (pid ${process.pid}): MAX_BATCH=${maxBatch} QUANT=${quant} MEM_UTIL=${memUtil}`);
for (let i = 0; i < engineWorkers; i++) {
  const worker = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  console.log(`engine worker ${i} (pid ${worker.pid}) started`);
}
setTimeout(() => {
  if (memUtil > 0.97) {
    console.error(`CUDA out of memory: MEM_UTIL=${memUtil} leaves no room for activations`);
    process.exit(1);
  }
  let requests = 0;
  const server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.url?.startsWith('/generate')) {
      requests++;
      if (crashAfter > 0 && requests >= crashAfter) {
        console.error(`segfault at request ${requests}`);
        process.exit(1);
      }
      if (flakyEvery > 0 && requests % flakyEvery === 0) {
        res.writeHead(500).end('{"error":"worker died"}');
        return;
      }
      setTimeout(() => {
        const body = { answerTokens: ANSWER_TOKENS, promptTokens: PROMPT_TOKENS, score: accuracy() };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      }, latencyMs());
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(port, '127.0.0.1', () => console.log(`serving on 127.0.0.1:${port}`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}, warmupMs);
