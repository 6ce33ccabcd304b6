import { InputError, type ParamValue, type Params } from '@swarmtune/core';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** A param value as text, for env vars, templates and logs: numbers in JS notation (1e-7), booleans as true/false. */
export function formatParamValue(value: ParamValue): string {
  return String(value);
}

const SHELL_SAFE = /^[A-Za-z0-9_.,:/=+@%-]+$/;

/** Quotes `text` for /bin/sh when it holds anything but plainly safe characters. */
export function shellQuote(text: string): string {
  if (SHELL_SAFE.test(text)) return text;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Names used as `{{name}}` in a command (string or argv), in order of first appearance. */
export function templateVariables(command: string | readonly string[]): string[] {
  const parts = typeof command === 'string' ? [command] : command;
  const names = new Set<string>();
  for (const part of parts) for (const m of part.matchAll(PLACEHOLDER)) names.add(m[1]!);
  return [...names];
}

function substitute(text: string, params: Params, quote: (s: string) => string, where: string): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    if (!Object.hasOwn(params, name)) {
      const known = Object.keys(params).sort();
      throw new InputError(
        where,
        `unknown template variable {{${name}}}; known params: ${known.length > 0 ? known.join(', ') : '(none)'}`,
      );
    }
    return quote(formatParamValue(params[name]!));
  });
}

/**
 * Fills `{{name}}` placeholders with param values. In the string (shell) form each value is shell-quoted when
 * needed, so do not put quotes around placeholders yourself; in the argv form values go in verbatim.
 */
export function renderCommand(
  command: string | readonly string[],
  params: Params,
  where = 'objective.command',
): string | string[] {
  if (typeof command === 'string') return substitute(command, params, shellQuote, where);
  return command.map((arg, i) => substitute(arg, params, (s) => s, `${where}[${i}]`));
}
