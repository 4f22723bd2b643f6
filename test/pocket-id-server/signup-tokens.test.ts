/**
 * The signup token endpoints as a real Pocket-ID 2.14.0 answered them (curl, while writing
 * signup-tokens.ts). Runs against the test server, or a real Pocket-ID when POCKETID_BASE_URL and
 * POCKETID_API_TOKEN are set, so that the two can be compared.
 */
import { randomBytes } from 'crypto';
import { PocketIdTarget, startPocketIdTarget } from '../support/pocket-id-target';

let target: PocketIdTarget;
const made: string[] = [];
const run = randomBytes(3).toString('hex');

beforeAll(async () => {
  target = await startPocketIdTarget({ rateLimit: false });
});

afterAll(async () => {
  for (const id of made) await call('DELETE', `/api/signup-tokens/${id}`);
  await target?.close();
});

async function call(method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; body: any }> {
  const response = await fetch(`${target.baseUrl}${path}`, {
    method,
    headers: { ...(auth ? { 'X-API-Key': target.apiToken } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function createToken(body: Record<string, unknown>) {
  const answer = await call('POST', '/api/signup-tokens', body);
  if (answer.status === 201) made.push(answer.body.id);
  return answer;
}

test.each([
  ['ttl 1 (1 s is not more than 1 s)', { ttl: 1, usageLimit: 2 }, 400, 'validation_failed', 'Ttl is invalid'],
  ['ttl 1.9 (truncated to 1 s)', { ttl: 1.9, usageLimit: 3 }, 400, 'validation_failed', 'Ttl is invalid'],
  ["ttl '7d' (no days in Go durations)", { ttl: '7d', usageLimit: 3 }, 400, 'invalid_request_body', 'Request body is invalid'],
  ['ttl null', { ttl: null, usageLimit: 3 }, 400, 'invalid_request_body', 'Request body is invalid'],
  ['usageLimit 0', { ttl: '2h', usageLimit: 0 }, 400, 'validation_failed', 'UsageLimit is required'],
  ['usageLimit -1', { usageLimit: -1 }, 400, 'validation_failed', 'UsageLimit must be at least 1 characters long'],
  ['ttl and usageLimit both bad, in struct order', { ttl: '745h', usageLimit: 101 }, 400, 'validation_failed',
    'Ttl is invalid, usageLimit must be at most 100 characters long'],
])('POST /api/signup-tokens with %s: %d %s', async (_label, body, status, code, message) => {
  const answer = await createToken(body);
  expect({ status: answer.status, code: answer.body.code, error: answer.body.error }).toEqual({ status, code, error: message });
});

test('a missing ttl is an hour; a string is a Go duration; the token is 16 letters and digits; unknown and repeated groups are dropped', async () => {
  const group = await call('POST', '/api/user-groups', { name: `st-${run}`, friendlyName: 'Signup' });
  try {
    const byDefault = await createToken({ usageLimit: 3, userGroupIds: ['nope'] });
    expect(byDefault.status).toBe(201);
    expect(byDefault.body).toEqual({
      id: expect.any(String),
      token: expect.stringMatching(/^[A-Za-z0-9]{16}$/),
      expiresAt: expect.any(String),
      usageLimit: 3,
      usageCount: 0,
      userGroups: [],
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(Date.parse(byDefault.body.expiresAt) - Date.parse(byDefault.body.createdAt)).toBe(3600_000);
    const withGroups = await createToken({ ttl: '1h30m', usageLimit: 1, userGroupIds: [group.body.id, '00000000-0000-0000-0000-000000000000', group.body.id] });
    expect(Date.parse(withGroups.body.expiresAt) - Date.parse(withGroups.body.createdAt)).toBe(5400_000);
    expect(withGroups.body.userGroups.map((g: { id: string }) => g.id)).toEqual([group.body.id]);
    expect(withGroups.body.userGroups[0]).toMatchObject({ customClaims: [], userCount: 0, ldapId: null });
  } finally {
    await call('DELETE', `/api/user-groups/${group.body.id}`);
  }
});

test('an expired token drops out of the list; DELETE answers 204 for any id; a used-up token stays listed', async () => {
  const short = await createToken({ ttl: 2, usageLimit: 1 });
  const once = await createToken({ ttl: 3600, usageLimit: 1 });
  const listed = async () => (await call('GET', '/api/signup-tokens?pagination[limit]=100')).body;
  expect((await listed()).data.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining([short.body.id, once.body.id]));
  const signedUp = await call('POST', '/api/signup', { username: `st-once-${run}`, email: `st-once-${run}@example.com`, token: once.body.token }, false);
  expect(signedUp.status).toBe(201);
  const again = await call('POST', '/api/signup', { username: `st-again-${run}`, email: `st-again-${run}@example.com`, token: once.body.token }, false);
  expect({ status: again.status, code: again.body.code }).toEqual({ status: 401, code: 'token_invalid_or_expired' });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const after = await listed();
  expect(after.data.map((t: { id: string }) => t.id)).not.toContain(short.body.id);
  expect(after.data.find((t: { id: string }) => t.id === once.body.id)).toMatchObject({ usageCount: 1, usageLimit: 1 });
  expect(after.pagination).toMatchObject({ currentPage: 1, itemsPerPage: 100 });
  expect((await call('DELETE', `/api/signup-tokens/${once.body.id}`)).status).toBe(204);
  expect((await call('DELETE', `/api/signup-tokens/${once.body.id}`)).status).toBe(204);
  expect((await call('DELETE', '/api/signup-tokens/not-a-uuid')).status).toBe(204);
  await call('DELETE', `/api/users/${signedUp.body.id}`);
});

test('signup without a token is refused in the default mode; a token with a slash is a 500', async () => {
  const open = await call('POST', '/api/signup', { username: `st-open-${run}`, email: `st-open-${run}@example.com` }, false);
  expect({ status: open.status, code: open.body.code, error: open.body.error }).toEqual({ status: 403, code: 'open_signup_disabled', error: 'Open user signup is not enabled' });
  const slash = await call('POST', '/api/signup', { username: `st-slash-${run}`, email: `st-slash-${run}@example.com`, token: 'nope/x' }, false);
  expect(slash.status).toBe(500);
});
