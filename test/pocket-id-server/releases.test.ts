import { PocketIdTestServer, startPocketIdTestServer } from './index';
import { Release } from './releases';

/** Each release's behaviour on its release, and its absence on the release before. */

interface Call {
  status: number;
  text: string;
  json: any;
}

async function call(on: PocketIdTestServer, method: string, path: string, body?: unknown): Promise<Call> {
  const headers: Record<string, string> = { 'X-API-Key': on.apiToken };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${on.baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

describe('which release is played', () => {
  test.each([
    ['2.14.0', '2.14.0'],
    ['2.16.3', '2.16.0'],
    ['v2.17.1', '2.17.0'],
    ['2.17.0-rc.1', '2.16.0'],
    ['2.18.0+build.5', '2.18.0'],
    ['2.13.1', '2.14.0'],
    ['3.0.0', '2.18.0'],
    ['unknown', '2.18.0'],
    ['', '2.18.0'],
  ])('%j plays %s', (announced, plays) => {
    expect(new Release(announced).plays).toBe(plays);
  });

  test('features follow the release played', () => {
    expect(new Release('2.16.0').has('federatedPublicKeys')).toBe(true);
    expect(new Release('2.16.0').has('backchannelLogout')).toBe(false);
    expect(new Release('2.17.0').atLeast('2.17.0')).toBe(true);
    expect(new Release('2.17.0').atLeast('2.18.0')).toBe(false);
  });

  test('the announced version is answered as given, even where another release is played', async () => {
    const major = await startPocketIdTestServer({ version: '3.0.0', rateLimit: false });
    try {
      expect((await call(major, 'GET', '/api/version/current')).json).toEqual({ currentVersion: '3.0.0' });
    } finally {
      await major.close();
    }
  });
});
