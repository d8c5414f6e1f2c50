/** A counterpart's definite "no" (e.g. HTTP 4xx): retrying cannot help, so the send fails fast. */
export class PermanentDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

/** 4xx but a timeout (408) or too many requests (429): the counterpart said no for good. */
export function isPermanentHttpStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** Reads an HTTP answer: 2xx → JSON body, 4xx → permanent, anything else → transient (retried). */
export async function readProviderResponse(res: Response, provider: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (res.ok) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`${provider} answered ${res.status} with a body that is not JSON`);
    }
  }
  const detail = text.slice(0, 300).replace(/\s+/g, ' ').trim();
  if (isPermanentHttpStatus(res.status)) {
    throw new PermanentDeliveryError(`${provider} refused the document (HTTP ${res.status}${detail ? `: ${detail}` : ''})`);
  }
  throw new Error(`${provider} is unavailable (HTTP ${res.status})`);
}
