const MASK = '***';
/**
 * Values shorter than this are too common to mask without mangling ordinary text. The shortest value
 * the handler holds is a one-time login token of a link that lives 15 minutes or less: 6 characters.
 */
export const MIN_SECRET_LENGTH = 6;

/**
 * The secret values one invocation has seen (the API token, generated client secrets), so that any
 * text leaving the handler — a log line, an error message — can be scrubbed of them.
 * One per invocation: it is never shared between events.
 */
export class Redactor {
  /** Every form of every secret, longest first, so that a form is masked whole before a shorter one inside it. */
  private forms: string[] = [];

  public add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return;
    const known = new Set(this.forms);
    for (const form of formsOf(secret)) known.add(form);
    this.forms = [...known].sort((a, b) => b.length - a.length);
  }

  public scrub(text: string): string {
    let result = text;
    for (const form of this.forms) result = result.split(form).join(MASK);
    return result;
  }
}

/**
 * The forms in which a secret can end up in a text: as it is, JSON-escaped (an error body quoted in a
 * message), base64 in both alphabets with and without padding (an Authorization header, a token
 * echoed back) and URL-encoded (a value in a query string or a path).
 */
function formsOf(secret: string): string[] {
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  const base64Url = base64.replace(/\+/g, '-').replace(/\//g, '_');
  const unpadded = (text: string) => text.replace(/=+$/, '');
  const forms = [secret, JSON.stringify(secret).slice(1, -1), base64, unpadded(base64), base64Url, unpadded(base64Url), encodeURIComponent(secret)];
  return forms.filter((form) => form.length >= MIN_SECRET_LENGTH);
}
