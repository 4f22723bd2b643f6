import { Redactor } from '../../lambda/redactor';

describe('Redactor', () => {
  test('masks a 6-character one-time token, alone and inside its link', () => {
    const redactor = new Redactor();
    redactor.add('Ab3dE9');
    expect(redactor.scrub('token Ab3dE9 in https://id.example.com/lc/Ab3dE9')).toBe('token *** in https://id.example.com/lc/***');
  });

  test('masks a value also as JSON escapes it', () => {
    const redactor = new Redactor();
    redactor.add('se"cret\\value');
    expect(redactor.scrub(JSON.stringify({ error: 'se"cret\\value' }))).toBe('{"error":"***"}');
  });

  test('leaves values shorter than any secret it holds alone, so ordinary words survive', () => {
    const redactor = new Redactor();
    redactor.add('true');
    redactor.add(undefined);
    expect(redactor.scrub('isPublic: true')).toBe('isPublic: true');
  });

  // Chosen so that its base64 has '+' and '/' (standard alphabet) and padding, and its URL-encoded form differs from it.
  const SECRET = '/i>ic?e~?gc';
  const base64 = Buffer.from(SECRET, 'utf8').toString('base64');

  test('the chosen secret exercises every alphabet and the padding', () => {
    expect(base64).toMatch(/\+/);
    expect(base64).toMatch(/\//);
    expect(base64).toMatch(/=$/);
    expect(encodeURIComponent(SECRET)).not.toBe(SECRET);
  });

  test.each([
    ['base64, standard alphabet, padded', base64],
    ['base64, standard alphabet, unpadded', base64.replace(/=+$/, '')],
    ['base64, URL-safe alphabet, padded', base64.replace(/\+/g, '-').replace(/\//g, '_')],
    ['base64, URL-safe alphabet, unpadded', Buffer.from(SECRET, 'utf8').toString('base64url')],
    ['URL-encoded (encodeURIComponent)', encodeURIComponent(SECRET)],
  ])('masks the value %s, whole', (_, form) => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    expect(redactor.scrub(`before ${form} after`)).toBe('before *** after');
  });

  test('masks a form of one secret that contains another secret whole, not in pieces', () => {
    const redactor = new Redactor();
    const token = 'Zk4qPw';
    redactor.add(token);
    redactor.add(`https://id.example.com/lc/${token}`);
    expect(redactor.scrub(encodeURIComponent(`https://id.example.com/lc/${token}`))).toBe('***');
  });
});
