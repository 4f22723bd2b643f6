import type { PocketIdTestServer } from './index';

/** One answer of the test server, read whole: the tests of the server check status, headers and body as sent. */
export interface ApiCall {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON; undefined when it is not JSON. */
  json: any;
}

export interface ApiCallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, instead of `body`. */
  raw?: string;
  /** Default application/json when there is a body; null sends none. */
  contentType?: string | null;
  /** Default the server's API key; null sends none. */
  key?: string | null;
  headers?: Record<string, string>;
}

/** A request to the test server as a client of Pocket-ID's API sends it (redirects not followed). */
export async function callApi(target: PocketIdTestServer, method: string, path: string, options: ApiCallOptions = {}): Promise<ApiCall> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? target.apiToken : options.key;
  if (key !== null) headers['X-API-Key'] = key;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined && options.contentType !== null) headers['Content-Type'] = options.contentType ?? 'application/json';
  const res = await fetch(`${target.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}
