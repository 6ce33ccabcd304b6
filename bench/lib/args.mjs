// `node bench/run.mjs [SUITE...] [--flag value]...`: suite names and numeric/string flags.
export function parseArgs(argv) {
  const suites = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2);
      const value = inline ?? (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--') ? argv[++i] : 'true');
      flags[name] = value;
    } else suites.push(a);
  }
  return { suites, flags };
}

export function intFlag(flags, name, fallback, { min = 1 } = {}) {
  if (flags[name] === undefined) return fallback;
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer >= ${min}, got ${flags[name]}`);
  return n;
}

export function listFlag(flags, name, fallback) {
  if (flags[name] === undefined) return fallback;
  return String(flags[name]).split(',').map((s) => s.trim()).filter(Boolean);
}
