// Loads the service with EVAL_REQUESTS requests and prints a summary like seed 003's eval_local.py:
//   Accuracy (RougeL-F1 mean, RAW): 0.9000
//   Throughput RAW: answer_tokens/s=1234.5 (prompt+answer)_tokens/s=1851.7
//   Total time: 0.31s
// Exits 1 when a request fails.
const port = Number(process.env.PORT ?? '8000');
const requests = Number(process.env.EVAL_REQUESTS ?? '5');

const started = performance.now();
let answerTokens = 0;
let promptTokens = 0;
let scoreSum = 0;
for (let i = 0; i < requests; i++) {
  const res = await fetch(`http://127.0.0.1:${port}/generate?i=${i}`);
  if (!res.ok) {
    console.error(`request ${i} failed: HTTP ${res.status}`);
    process.exit(1);
  }
  const body = await res.json();
  answerTokens += body.answerTokens;
  promptTokens += body.promptTokens;
  scoreSum += body.score;
}
const seconds = (performance.now() - started) / 1000;
console.log(`Accuracy (RougeL-F1 mean, RAW): ${(scoreSum / requests).toFixed(4)}`);
console.log(
  `Throughput RAW: answer_tokens/s=${(answerTokens / seconds).toFixed(1)} ` +
    `(prompt+answer)_tokens/s=${((answerTokens + promptTokens) / seconds).toFixed(1)}`,
);
console.log(`Total time: ${seconds.toFixed(3)}s`);
