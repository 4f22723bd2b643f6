import type { OperationContext } from './resource';

/**
 * Links kept as JSON in a secret the construct owns (a user's login link, a signup link): the issuer
 * URL, a path, and a token that is the whole secret. What the handler reads of them goes into the
 * Redactor at once.
 */
export interface LinkShape {
  /** The JSON field that holds the URL: `loginUrl`. */
  readonly urlField: string;
  /** The path before the token: `/lc/`. */
  readonly pathPrefix: string;
}

/** The link to a token, on the issuer URL; the token and the link are redacted from here on. */
export function linkTo(context: OperationContext, issuer: string, shape: LinkShape, token: string): string {
  const url = `${issuer.replace(/\/+$/, '')}${shape.pathPrefix}${token}`;
  context.redactor.add(token);
  context.redactor.add(url);
  return url;
}

/** The secret's value; a failure to read it is an error (never taken for "no link", which would issue another token). */
export async function readLinkSecret(context: OperationContext, secretArn: string, shape: LinkShape): Promise<string> {
  const text = await context.secrets.readString(secretArn);
  redactStoredLink(context, text, shape);
  return text;
}

/** Adds the link a secret's value holds, and its token, to the Redactor. */
export function redactStoredLink(context: OperationContext, text: string | undefined, shape: LinkShape): void {
  const url = (parseJson(text) as Record<string, unknown> | undefined)?.[shape.urlField];
  if (typeof url !== 'string') return;
  context.redactor.add(url);
  const at = url.lastIndexOf(shape.pathPrefix);
  if (at >= 0) context.redactor.add(url.slice(at + shape.pathPrefix.length));
}

export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
