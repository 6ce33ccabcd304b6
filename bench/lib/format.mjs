// Plain-text and markdown tables, and number formatting that stays readable across magnitudes.
export function fmt(x, digits = 3) {
  if (x === undefined || x === null || Number.isNaN(x)) return '-';
  if (x === Infinity) return 'inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 0.001) return Number(x.toPrecision(digits)).toString();
  return x.toExponential(1);
}

export function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '-';
  return `${fmt(a / b)}x`;
}

export function textTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function markdownTable(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
