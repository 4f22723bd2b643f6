const MASK = '***';
/**
 * Values shorter than this are too common to mask without mangling ordinary text. The shortest value
 * the handler holds is a one-time login token of a link that lives 15 minutes or less: 6 characters.
 */
const MIN_SECRET_LENGTH = 6;

/**
 * The secret values one invocation has seen (the API token, generated client secrets), so that any
 * text leaving the handler — a log line, an error message — can be scrubbed of them.
 * One per invocation: it is never shared between events.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  public add(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) this.secrets.add(secret);
  }

  public scrub(text: string): string {
    let result = text;
    for (const secret of this.secrets) {
      result = result.split(secret).join(MASK);
      const encoded = JSON.stringify(secret).slice(1, -1);
      if (encoded !== secret) result = result.split(encoded).join(MASK);
    }
    return result;
  }
}
