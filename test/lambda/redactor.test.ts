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
});
