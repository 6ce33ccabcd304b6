import { createHmac } from 'node:crypto';

/**
 * Feishu custom bot signature: base64(HMAC-SHA256(key = "<timestamp>\n<secret>", message = "")), timestamp in
 * seconds. The bot rejects a timestamp more than an hour off.
 */
export function feishuSign(timestampSeconds: number, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

export function feishuBody(text: string, secret: string | undefined, now = Date.now()): Record<string, unknown> {
  const body: Record<string, unknown> = { msg_type: 'text', content: { text } };
  if (secret) {
    const timestamp = Math.floor(now / 1000);
    body.timestamp = String(timestamp);
    body.sign = feishuSign(timestamp, secret);
  }
  return body;
}

/** Feishu answers HTTP 200 also for errors; success is `code: 0` (older bots: `StatusCode: 0`) in the JSON body. */
export function feishuAccepted(responseText: string): { ok: boolean; problem?: string } {
  try {
    const body = JSON.parse(responseText) as { code?: number; StatusCode?: number; msg?: string };
    const code = body.code ?? body.StatusCode;
    return code === 0 ? { ok: true } : { ok: false, problem: `code ${code}: ${body.msg ?? ''}` };
  } catch {
    return { ok: false, problem: 'the answer was not JSON' };
  }
}
