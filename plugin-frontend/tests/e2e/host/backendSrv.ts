// Grafana's BackendSrv over window.fetch to the stand-in: the Observable `fetch` DataSourceWithBackend
// uses for /api/ds/query, resources and health, and the promise helpers. Like Grafana's, a status of
// 400 or more is thrown as a FetchError carrying the parsed body in `data`.
import { Observable, lastValueFrom } from 'rxjs';

import { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';

/** Every request the page made, for the test to read (`window.__requests`). */
export interface RecordedRequest {
  method: string;
  url: string;
  status: number;
  body?: unknown;
}

export const requests: RecordedRequest[] = [];

function serializeParams(params: Record<string, unknown> | undefined): string {
  if (!params) {
    return '';
  }
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) {
      continue;
    }
    for (const v of Array.isArray(value) ? value : [value]) {
      search.append(key, String(v));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function send<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
  const method = (options.method ?? 'GET').toUpperCase();
  const url = options.url + serializeParams(options.params);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  let body: string | undefined;
  if (options.data !== undefined && method !== 'GET') {
    body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
    headers['Content-Type'] = headers['Content-Type'] ?? 'application/json';
  }
  const response = await window.fetch(url, { method, headers, body });
  const text = await response.text();
  let data: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text.length > 0) {
    data = JSON.parse(text);
  }
  requests.push({ method, url, status: response.status, body: options.data });
  const result: FetchResponse<T> = {
    data: data as T,
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    headers: response.headers,
    redirected: response.redirected,
    type: response.type,
    url: response.url,
    config: options,
  };
  if (response.status >= 400) {
    const error: FetchError = {
      status: response.status,
      statusText: response.statusText,
      data,
      config: options,
      message: typeof data === 'object' && data && 'message' in data ? String((data as { message: unknown }).message) : response.statusText,
    } as FetchError;
    throw error;
  }
  return result;
}

class StandinBackendSrv {
  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return new Observable<FetchResponse<T>>((subscriber) => {
      send<T>(options).then(
        (r) => {
          subscriber.next(r);
          subscriber.complete();
        },
        (e) => subscriber.error(e)
      );
    });
  }

  async request<T>(options: BackendSrvRequest): Promise<T> {
    return (await lastValueFrom(this.fetch<T>(options))).data;
  }

  datasourceRequest<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
    return lastValueFrom(this.fetch<T>(options));
  }

  get<T>(url: string, params?: Record<string, unknown>, requestId?: string, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, params, requestId, method: 'GET' });
  }

  delete<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'DELETE' });
  }

  post<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'POST' });
  }

  patch<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'PATCH' });
  }

  put<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'PUT' });
  }

  chunked(): Observable<FetchResponse<Uint8Array | undefined>> {
    throw new Error('chunked requests are not served by this Grafana stand-in');
  }
}

export const backendSrv = new StandinBackendSrv() as unknown as BackendSrv;
