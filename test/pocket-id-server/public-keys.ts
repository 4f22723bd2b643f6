import { createPublicKey } from 'crypto';

/**
 * The explicit public keys of a federated identity (2.15+, PR pocket-id#1702): jwkutils.NormalizePublicKeys
 * of pull/1702/head f4bb5a79 (backend/internal/utils/jwk/public_key.go), which parses each key with
 * lestrrat-go/jwx. The error texts are those a build of that head answers. Of jwx's own checks only the
 * ones a caller is likely to trip are played: the JSON shape, the key type, its required members and
 * their types, base64, curve names, RSA size, EC points and key lengths. The validation of a private
 * key's own members is not played: any key with `d` counts as well-formed private material.
 */

/** A JWK as its JSON members. */
export type Jwk = Record<string, unknown>;

export type NormalizedKeys = { readonly keys: Jwk[] } | { readonly problem: string };

interface KeyType {
  /** jwx's Go type names, as its errors print them. */
  readonly parsedName: (isPrivate: boolean) => string;
  readonly validatedName: (isPrivate: boolean) => string;
  readonly required: ReadonlyArray<string>;
}

function asymmetric(goName: string, typeName: string, required: string[]): KeyType {
  const kind = (isPrivate: boolean) => (isPrivate ? 'Private' : 'Public');
  return { parsedName: (p) => `${goName}${kind(p)}Key`, validatedName: (p) => `${typeName}${kind(p)}Key`, required };
}

const KEY_TYPES: Readonly<Record<string, KeyType>> = {
  RSA: asymmetric('rsa', 'RSA', ['e', 'n']),
  EC: asymmetric('ecdsa', 'ECDSA', ['crv', 'x', 'y']),
  OKP: asymmetric('okp', 'OKP', ['crv', 'x']),
  oct: { parsedName: () => 'symmetricKey', validatedName: () => 'SymmetricKey', required: ['k'] },
};

const BYTE_MEMBERS = new Set(['n', 'e', 'x', 'y', 'd', 'k']);
const STRING_MEMBERS = new Set(['kid', 'use', 'crv']);
const CURVES = new Set(['P-256', 'P-384', 'P-521', 'Ed25519', 'Ed448', 'X25519', 'X448']);
const EC_COORDINATE_BYTES: Readonly<Record<string, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
const MIN_RSA_BITS = 2048;

/** The JSON type names of Go's unmarshal errors. */
function goJsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

function present(key: Jwk, member: string): boolean {
  return key[member] !== undefined && key[member] !== null;
}

/** jwx accepts standard and URL-safe base64, padded or not. */
function decodeBase64(value: string): Buffer | undefined {
  return /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? Buffer.from(value, 'base64') : undefined;
}

function memberProblem(member: string, value: unknown): string | undefined {
  if (member === 'alg') return algorithmProblem(value);
  if (value === null) return undefined;
  if (!BYTE_MEMBERS.has(member) && !STRING_MEMBERS.has(member)) return undefined;
  if (typeof value !== 'string') return `error reading next value: json: cannot unmarshal ${goJsonType(value)} into Go value of type string`;
  if (BYTE_MEMBERS.has(member) && decodeBase64(value) === undefined) return 'expected base64 encoded []byte (string)';
  if (member === 'crv' && !CURVES.has(value)) return `unknown EllipticCurveAlgorithm: ${JSON.stringify(value)}`;
  return undefined;
}

function algorithmProblem(value: unknown): string | undefined {
  if (value === null) return 'invalid key value: "": invalid key algorithm';
  return typeof value === 'string' ? undefined : `json: cannot unmarshal ${goJsonType(value)} into Go value of type string`;
}

function bitLength(bytes: Buffer): number {
  const first = bytes.findIndex((b) => b !== 0);
  return first < 0 ? 0 : (bytes.length - first - 1) * 8 + bytes[first].toString(2).length;
}

function ecProblem(key: Jwk): string | undefined {
  const crv = key.crv as string;
  const size = EC_COORDINATE_BYTES[crv];
  if (size === undefined) return `invalid curve algorithm ${JSON.stringify(crv)}: unknown elliptic curve algorithm: ${JSON.stringify(crv)}`;
  for (const coordinate of ['x', 'y']) {
    const length = decodeBase64(key[coordinate] as string)!.length;
    if (length !== size) return `invalid ${JSON.stringify(coordinate)} length (${length}) for curve ${JSON.stringify(crv)}`;
  }
  try {
    createPublicKey({ key: { kty: 'EC', crv, x: key.x as string, y: key.y as string }, format: 'jwk' });
    return undefined;
  } catch {
    return `invalid ECDSA public key: ${crv.replace('-', '')} point not on curve`;
  }
}

function okpProblem(key: Jwk): string | undefined {
  const length = decodeBase64(key.x as string)!.length;
  if (key.crv === 'Ed25519' && length !== 32) return 'ed25519: wrong public key size';
  if (key.crv === 'X25519' && length !== 32) return 'x25519: wrong public key size';
  return undefined;
}

/** jwx's key validation after parsing: sizes and points of the public part. */
function materialProblem(kty: string, key: Jwk): string | undefined {
  if (kty === 'RSA') {
    const bits = bitLength(decodeBase64(key.n as string)!);
    return bits < MIN_RSA_BITS ? `rsa modulus too small: got ${bits} bits, need at least ${MIN_RSA_BITS}` : undefined;
  }
  if (kty === 'EC') return ecProblem(key);
  if (kty === 'OKP') return okpProblem(key);
  return decodeBase64(key.k as string)!.length === 0 ? 'missing "k" field' : undefined;
}

const PROBE_STRUCT = 'struct { Kty string "json:\\"kty\\""; D json.RawMessage "json:\\"d,omitempty\\"" }';

/** jwk.ParseKey: the reason a key does not parse, without the "failed to parse key" prefix. */
function parseProblem(raw: unknown): string | undefined {
  if (raw === null) return 'jwk.ParseKey: invalid key type from JSON ()';
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return `jwk.ParseKey: jwk.Parse: failed to probe data: probe: failed to unmarshal data: json: cannot unmarshal ${goJsonType(raw)} into Go value of type ${PROBE_STRUCT}`;
  }
  const key = raw as Jwk;
  if (present(key, 'kty') && typeof key.kty !== 'string') {
    return `jwk.ParseKey: jwk.Parse: failed to probe data: probe: failed to unmarshal data: json: cannot unmarshal ${goJsonType(key.kty)} into Go struct field .kty of type string`;
  }
  const kty = (key.kty as string | undefined) ?? '';
  const type = KEY_TYPES[kty];
  if (!type) return `jwk.ParseKey: invalid key type from JSON (${kty})`;
  const isPrivate = kty !== 'oct' && 'd' in key;
  const into = `failed to unmarshal JSON into key (*jwk.${type.parsedName(isPrivate)})`;
  for (const [member, value] of Object.entries(key)) {
    const problem = memberProblem(member, value);
    if (problem) return `jwk.ParseKey: ${into}: ${into}: failed to decode value for key ${member}: ${problem}`;
  }
  const missing = type.required.find((member) => !present(key, member));
  if (missing) return `jwk.ParseKey: ${into}: ${into}: required field ${missing} is missing`;
  const material = materialProblem(kty, key);
  if (material) return `jwk.ParseKey: jwk.Parse: key validation failed: key validation failed: jwk.${type.validatedName(isPrivate)}: ${material}`;
  return undefined;
}

/** jwkutils.ParsePublicKey: the reason a key may not verify a federated client's signatures. */
function publicKeyProblem(raw: unknown): string | undefined {
  const parse = parseProblem(raw);
  if (parse) return `failed to parse key: ${parse}`;
  const key = raw as Jwk;
  if (key.kty === 'oct') return 'key is not an asymmetric public key';
  if ('d' in key) return 'key contains private key material';
  if (typeof key.kid !== 'string' || key.kid === '') return 'key is missing the "kid" property';
  if (typeof key.use === 'string' && key.use !== '' && key.use !== 'sig') return 'key is not meant to verify signatures, its "use" is not "sig"';
  return undefined;
}

function reencodedMember(member: string, value: unknown): unknown {
  if (member === 'use' && value === null) return '';
  return BYTE_MEMBERS.has(member) && typeof value === 'string' ? decodeBase64(value)!.toString('base64url') : value;
}

/** EncodeJWKBytes: members in sorted order, bytes as unpadded base64url. */
function reencoded(key: Jwk): Jwk {
  return Object.fromEntries(Object.keys(key).sort().map((m) => [m, reencodedMember(m, key[m])]));
}

/** NormalizePublicKeys: every key valid and its kid unique, re-encoded; or why the list is refused. */
export function normalizePublicKeys(raw: ReadonlyArray<unknown>): NormalizedKeys {
  const keys: Jwk[] = [];
  for (const [i, rawKey] of raw.entries()) {
    const problem = publicKeyProblem(rawKey);
    if (problem) return { problem: `key ${i + 1} is invalid: ${problem}` };
    const key = reencoded(rawKey as Jwk);
    if (keys.some((k) => k.kid === key.kid)) return { problem: `key ${i + 1} has the same key ID ${JSON.stringify(key.kid)} as an earlier key` };
    keys.push(key);
  }
  return { keys };
}
