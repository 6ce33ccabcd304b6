// One trial: build an HNSW index with the trial's M and efConstruction on a seeded synthetic data set, search it
// with ef, and report recall@10 (against exact brute-force neighbours) and queries per second.
//   VECTOR_INDEX_VECTORS  data set size (default 5000; the full size is 50000)
//   VECTOR_INDEX_QUERIES  number of queries (default 200)
const DIMS = 64;
const K = 10;
const CLUSTERS = 64;
const SEED = 20240601;

const n = positiveInt('VECTOR_INDEX_VECTORS', 5000);
const nQueries = positiveInt('VECTOR_INDEX_QUERIES', 200);
const M = positiveInt('SWARMTUNE_PARAM_M');
const efConstruction = positiveInt('SWARMTUNE_PARAM_EFCONSTRUCTION');
const ef = positiveInt('SWARMTUNE_PARAM_EF');

let hnswlib;
try {
  hnswlib = (await import('hnswlib-node')).default;
} catch (err) {
  console.error(
    `hnswlib-node is not installed or did not build (${err.message}). It is an optional dependency of ` +
      'examples/vector-index: run `npm install` in the repository root on a machine with python3, make and a C++ compiler.',
  );
  process.exit(3);
}

function positiveInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined && fallback !== undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

/** mulberry32: a small seeded generator, so that every trial (on any host) sees the same data. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Points around random cluster centres: closer to real embeddings than uniform noise, and harder for HNSW. */
function makeData(count, random, centres) {
  const data = new Float32Array(count * DIMS);
  for (let i = 0; i < count; i++) {
    const c = centres[Math.floor(random() * centres.length)];
    for (let d = 0; d < DIMS; d++) {
      const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      data[i * DIMS + d] = c[d] + 0.6 * gauss;
    }
  }
  return data;
}

function exactNeighbours(data, count, queries, nq) {
  const result = [];
  const dist = new Float64Array(count);
  for (let q = 0; q < nq; q++) {
    for (let i = 0; i < count; i++) {
      let s = 0;
      for (let d = 0; d < DIMS; d++) {
        const diff = data[i * DIMS + d] - queries[q * DIMS + d];
        s += diff * diff;
      }
      dist[i] = s;
    }
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => dist[a] - dist[b]);
    result.push(new Set(order.slice(0, K)));
  }
  return result;
}

const random = rng(SEED);
const centres = Array.from({ length: CLUSTERS }, () => Array.from({ length: DIMS }, () => random() * 2 - 1));
const data = makeData(n, random, centres);
const queries = makeData(nQueries, random, centres);
const truth = exactNeighbours(data, n, queries, nQueries);

const buildStart = performance.now();
const index = new hnswlib.HierarchicalNSW('l2', DIMS);
index.initIndex(n, M, efConstruction, SEED);
for (let i = 0; i < n; i++) index.addPoint(Array.from(data.subarray(i * DIMS, (i + 1) * DIMS)), i);
const buildSeconds = (performance.now() - buildStart) / 1000;
index.setEf(ef);

const queryVectors = Array.from({ length: nQueries }, (_, q) => Array.from(queries.subarray(q * DIMS, (q + 1) * DIMS)));
let hits = 0;
for (let q = 0; q < nQueries; q++) {
  for (const id of index.searchKnn(queryVectors[q], K).neighbors) if (truth[q].has(id)) hits++;
}
// Throughput: repeat the query set for at least 300 ms so that short runs are not dominated by timer noise.
let searched = 0;
const searchStart = performance.now();
while (performance.now() - searchStart < 300) {
  for (const v of queryVectors) index.searchKnn(v, K);
  searched += nQueries;
}
const qps = searched / ((performance.now() - searchStart) / 1000);

console.log(JSON.stringify({ metrics: { recall: hits / (nQueries * K), qps: Math.round(qps), build_seconds: buildSeconds } }));
