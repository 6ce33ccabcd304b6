import type { z } from 'zod';

/** The first problem zod found, as a dotted path (`limits.maxTrials`, `objectives.0.direction`) and a message. */
export function firstIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { path: '', message: 'invalid' };
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys?: string[] }).keys ?? [];
    return { path: [path, keys[0]].filter(Boolean).join('.'), message: `unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}` };
  }
  if (issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined) {
    return { path, message: 'required' };
  }
  return { path, message: issue.message };
}
