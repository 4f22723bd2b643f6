import { Step } from './cloudformation';
import { encodedForms, ExposureScan, showsAnySecret } from './exposure';

/** The exposure scan itself: it must find a secret value in every form a text can carry it in, wherever the text came from. */

const SECRET = '/i>ic?e~?gc';
const base64 = Buffer.from(SECRET, 'utf8').toString('base64');

function stepWith(parts: Partial<Pick<Step, 'responseBody' | 'logs' | 'frameworkLogs'>> & { reason?: string }): Step {
  return {
    event: { RequestType: 'Create', LogicalResourceId: 'Thing' },
    response: {
      Status: parts.reason === undefined ? 'SUCCESS' : 'FAILED',
      Reason: parts.reason,
      PhysicalResourceId: 'id',
      StackId: 'stack',
      RequestId: 'request',
      LogicalResourceId: 'Thing',
    },
    responseBody: parts.responseBody ?? '{}',
    logs: parts.logs ?? [],
    frameworkLogs: parts.frameworkLogs ?? [],
  };
}

function scanWithSecret(): ExposureScan {
  const scan = new ExposureScan();
  scan.addSecret(SECRET);
  return scan;
}

test('encodedForms: raw, JSON-escaped, base64 in both alphabets with and without padding, URL-encoded', () => {
  expect(base64).toMatch(/\+.*\/.*=$/);
  expect(new Set(encodedForms(SECRET))).toEqual(new Set([
    SECRET,
    JSON.stringify(SECRET).slice(1, -1),
    base64,
    base64.replace(/=+$/, ''),
    base64.replace(/\+/g, '-').replace(/\//g, '_'),
    Buffer.from(SECRET, 'utf8').toString('base64url'),
    encodeURIComponent(SECRET),
  ]));
});

test.each(encodedForms(SECRET).map((form) => [form]))('finds the secret as %s in a log line', (form) => {
  const scan = scanWithSecret();
  scan.recordStep(stepWith({ logs: [`{"message":"x","value":"${form}"}`] }));
  expect(scan.summary('test').hits).toBe(1);
});

test.each([
  ['the response body', stepWith({ responseBody: `{"Data":{"x":"${base64}"}}` })],
  ['a handler log line', stepWith({ logs: [encodeURIComponent(SECRET)] })],
  ['a Provider framework log line', stepWith({ frameworkLogs: [`onEvent returned: ${base64}`] })],
  ['the Reason', stepWith({ reason: `failed: ${SECRET}` })],
])('finds the secret in %s', (_, step) => {
  const scan = scanWithSecret();
  scan.recordStep(step);
  const summary = scan.summary('test');
  expect(summary.hits).toBe(1);
  expect(summary.hitLocations[0]).not.toContain(SECRET);
});

test('finds the secret in a container\'s stderr, line by line, and counts the lines', () => {
  const scan = scanWithSecret();
  scan.recordErrorOutput('container 1', `(node) a warning\n\nUnhandled: ${base64.replace(/=+$/, '')}\n`);
  const summary = scan.summary('test');
  expect(summary.logLinesScanned).toBe(2);
  expect(summary.hits).toBe(1);
  expect(summary.hitLocations[0]).toContain('container 1 (stderr)');
});

test('finds a value learned after the text was recorded, and counts framework log lines apart', () => {
  const scan = new ExposureScan();
  scan.recordStep(stepWith({ frameworkLogs: ['event', `response ${encodeURIComponent(SECRET)}`] }));
  expect(scan.summary('test').hits).toBe(0);
  scan.addSecret(SECRET);
  const summary = scan.summary('test');
  expect(summary.hits).toBe(1);
  expect(summary.frameworkLogLinesScanned).toBe(2);
});

test('finds nothing in texts without the secret', () => {
  const scan = scanWithSecret();
  scan.recordStep(stepWith({ responseBody: '{"Status":"SUCCESS"}', logs: ['{"message":"ok"}'], frameworkLogs: ['done'] }));
  expect(scan.summary('test').hits).toBe(0);
});

test('showsAnySecret finds one value among many, in any of its forms, and nothing in a text without them', () => {
  const many = Array.from({ length: 500 }, (_, n) => `value-${n}-${'x'.repeat(n % 7)}`);
  expect(showsAnySecret(`{"a":"${encodeURIComponent(SECRET)}"}`, [...many, SECRET])).toBe(true);
  expect(showsAnySecret(`Basic ${Buffer.from(many[321]).toString('base64')}`, many)).toBe(true);
  expect(showsAnySecret('{"message":"nothing to see"}', [...many, SECRET])).toBe(false);
  expect(showsAnySecret('short abc', ['abc'])).toBe(false);
});
