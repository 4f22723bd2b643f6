import { parseJsonObject } from './json';

/**
 * The rules Pocket-ID (2.15+, PR #1702: utils/jwk NormalizePublicKeys) applies to the explicit public
 * keys of a federated identity, checked before anything is deployed. Messages never quote a key: a
 * private key pasted by mistake must not end up in a log.
 */

/** Members that only a private or symmetric key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** The members each asymmetric key type needs. */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] };

/** Checks the public keys of one federated identity; `field` names the list, e.g. `federatedIdentities[0].publicKeys`. */
export function checkPublicKeys(field: string, keys: readonly string[]): string[] {
  const kids: string[] = [];
  return keys.flatMap((text, index) => {
    const where = `${field}[${index}]`;
    const key = parseJsonObject(text);
    if (!key) return [`${where} must be one public JWK as JSON text (an object such as {"kty":"EC","crv":"P-256","x":"…","y":"…","kid":"…"})`];
    const problems = checkKey(where, key);
    const kid = key.kid;
    if (typeof kid === 'string' && kid !== '') {
      if (kids.includes(kid)) problems.push(`${where}: its kid '${kid}' is already the kid of an earlier key of this identity; each key needs its own kid`);
      kids.push(kid);
    }
    return problems;
  });
}

function checkKey(where: string, key: Record<string, unknown>): string[] {
  const kty = key.kty;
  if (typeof kty !== 'string' || kty === '') return [`${where} has no "kty": a JWK names its key type (RSA, EC or OKP)`];
  const privateMembers = PRIVATE_MEMBERS.filter((member) => member in key);
  if (privateMembers.length > 0) {
    return [`${where} holds private key material (${privateMembers.join(', ')}): give the public key only, never the private one`];
  }
  const needed = PUBLIC_MEMBERS[kty];
  if (!needed) return [`${where} has kty '${kty}': Pocket-ID takes only asymmetric public keys (RSA, EC or OKP)`];
  const problems: string[] = [];
  const missing = needed.filter((member) => typeof key[member] !== 'string' || key[member] === '');
  if (missing.length > 0) problems.push(`${where} is a ${kty} key without ${missing.join(', ')}`);
  if (typeof key.kid !== 'string' || key.kid === '') problems.push(`${where} has no "kid": Pocket-ID needs a key id to pick the key a JWT names`);
  if (key.use !== undefined && key.use !== '' && key.use !== 'sig') problems.push(`${where} has "use" ${JSON.stringify(key.use)}: a key that verifies JWTs has "use" "sig" or none`);
  return problems;
}
