import { truncateMessage } from '../../lambda/errors';
import { createLogger } from '../../lambda/logger';
import { Redactor } from '../../lambda/redactor';

describe('log lines and error messages are scrubbed before they are cut', () => {
  const secret = 'pocket-id-api-key-0123456789abcdefghijklmnopqrstuv';

  test('a secret that a long field\'s cut would split is masked whole, no part of it left', () => {
    const redactor = new Redactor();
    redactor.add(secret);
    const lines: string[] = [];
    const logger = createLogger('debug', (text) => redactor.scrub(text), {}, (line) => lines.push(line));
    // The field is cut at 300 characters, right through the secret.
    logger.warn('retrying', { reason: `${'x'.repeat(290)}${secret}` });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(secret.slice(0, 10));
    expect(JSON.parse(lines[0]).reason).toBe(`${'x'.repeat(290)}***`);
  });
});

describe('truncateMessage counts the UTF-8 bytes JSON carries', () => {
  test.each([
    ['ASCII', 'a'],
    ['CJK, 3 bytes each', '日'],
    ['emoji, 4 bytes and two UTF-16 units each', '🔐'],
    ['quotes, escaped to 2 bytes each', '"'],
  ])('%s', (_, character) => {
    const cut = truncateMessage(character.repeat(5_000), 3_000);
    expect(Buffer.byteLength(JSON.stringify(cut)) - 2).toBeLessThanOrEqual(3_000);
    expect(Buffer.byteLength(JSON.stringify(cut)) - 2).toBeGreaterThan(3_000 - 8);
    expect(cut.endsWith('...')).toBe(true);
    // Cut at a character boundary: what is left is the character, repeated.
    expect(cut.slice(0, -3)).toBe(character.repeat([...cut.slice(0, -3)].length));
  });

  test('a message that fits is left as it is', () => {
    expect(truncateMessage('short', 3_000)).toBe('short');
  });
});
