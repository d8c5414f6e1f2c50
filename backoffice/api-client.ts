// The back office acts through the HTTP API, in-process: the same routes, validation and
// services answer it as answer an integrator, so no rule exists twice.
import { IN_PROCESS_TENANT } from '../api/auth.js';

export interface ApiAnswer<T = any> {
  status: number;
  ok: boolean;
  data: T;
}

export interface ApiProblem {
  title: string;
  detail: string;
  code?: string;
  errors?: { path: string; message: string }[];
}

type Requester = { request(input: string, init: RequestInit, env: Record<symbol, unknown>): Response | Promise<Response> };

export class BackOfficeApi {
  constructor(
    private readonly api: Requester,
    private readonly tenantId: string,
    /** The page request's id: the API's log lines of this page's calls carry it too. */
    private readonly requestId?: string,
  ) {}

  /** The raw response, for documents and PDFs. */
  async raw(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = this.requestId ? { 'x-request-id': this.requestId } : {};
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    return this.api.request(path, init, { [IN_PROCESS_TENANT]: this.tenantId });
  }

  async call<T = any>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const res = await this.raw(method, path, body);
    const text = await res.text();
    return { status: res.status, ok: res.ok, data: text ? JSON.parse(text) : null };
  }

  get = <T = any>(path: string) => this.call<T>('GET', path);
  post = <T = any>(path: string, body: unknown = {}) => this.call<T>('POST', path, body);
  put = <T = any>(path: string, body: unknown) => this.call<T>('PUT', path, body);
  patch = <T = any>(path: string, body: unknown) => this.call<T>('PATCH', path, body);
}

export const q = encodeURIComponent;
