import { APPLICATION_IMAGES, viewOf } from './model';
import { tokenHolders } from './model-checks';
import { differences, masker, RawState, sameHoldings } from './state';

/**
 * A FAILED operation must leave Pocket-ID and Secrets Manager exactly as they were. Two things may be
 * left all the same, and only exactly so:
 * - what the Reason names after "Cleanup also failed, remove by hand:" (lambda/resource.ts,
 *   Compensation): an undo step that failed itself; what is left must be exactly what it names, and
 *   everything it names must really be left;
 * - live one-time tokens of the operation's user that nothing stores (the documented limitation).
 */
export interface FailureCheck {
  readonly problems: string[];
  /** What the Reason names as left, when it is exactly what is left. */
  readonly residue: string[];
  /** Live tokens of the operation's user that nothing stores, beyond what it had. */
  readonly unstoredTokens: number;
}

export interface FailureCheckOptions {
  /** The user the operation was about: only its tokens can be the documented limitation. */
  readonly subjectUserId?: string;
  /** The case's secrets, role → ARN: how the Reason names a secret. */
  readonly roles: Record<string, string>;
  /** Secrets CloudFormation deletes right after (what a rolled-back deployment made): not compared, and what only they hold counts as unstored. */
  readonly deletedRoles?: readonly string[];
  /** Clients whose secrets are new by design (revoked by an operation, since given a new one): their secrets are checked elsewhere. */
  readonly renewedSecretsOf?: readonly string[];
  /** How a difference is introduced (default: a failure's). */
  readonly changed?: string;
}

const CLEANUP_FAILED = 'Cleanup also failed, remove by hand: ';

export function checkFailure(before: RawState, after: RawState, reason: string, options: FailureCheckOptions): FailureCheck {
  const named = leftoversNamed(reason, options.roles);
  const problems = named.unknown.map((item) => `the Reason names a leftover the harness does not know: "${item}"`);
  const deleted = options.deletedRoles ?? [];
  if (deleted.length === 0 && !options.renewedSecretsOf?.length && sameHoldings(before, after)) {
    return { problems: [...problems, ...named.scopes.map((scope) => overReported(scope))], residue: [], unstoredTokens: 0 };
  }
  const renewed = options.renewedSecretsOf ?? [];
  const [was, is] = [holdingsOf(before, deleted, renewed), holdingsOf(after, deleted, renewed)];
  const unstoredTokens = dropUnstoredTokens(was, is, after, options.subjectUserId, deleted);
  const mask = masker([before, after]);
  const apart = (holdings: Holdings) => {
    const copy = structuredClone(holdings);
    for (const scope of named.scopes) scope.strip(copy, was);
    return copy;
  };
  const [wasApart, isApart] = [apart(was), apart(is)];
  const diff = differences(mask(wasApart), mask(isApart));
  const changed = options.changed ?? 'FAILED, and the state changed';
  if (diff.length > 0) problems.push(`${changed}${named.scopes.length > 0 ? ' beyond what the Reason names' : ''}: ${diff.join('; ')}`);
  problems.push(...storedTokenProblems(wasApart, isApart, after, deleted));
  const asItWas = (scope: Scope) => JSON.stringify(scope.part(was, was)) === JSON.stringify(scope.part(is, was));
  problems.push(...named.scopes.filter(asItWas).map(overReported));
  return { problems, residue: problems.length === 0 ? named.scopes.map((scope) => scope.description) : [], unstoredTokens };
}

function overReported(scope: Scope): string {
  return `the Reason names "${scope.description}" as left to remove by hand, but it is as it was`;
}

/** Everything a failure may not change, relations once: the view, each client's secrets (id and value), each user's tokens, each secret's AWSCURRENT. */
interface Holdings {
  pocketId: ReturnType<typeof viewOf>;
  clientSecrets: Record<string, Array<{ id: string; secret: string }>>;
  tokens: Record<string, string[]>;
  stored: Record<string, string>;
}

function holdingsOf(state: RawState, deletedRoles: readonly string[], renewedSecretsOf: readonly string[]): Holdings {
  return {
    pocketId: viewOf(state),
    clientSecrets: Object.fromEntries(state.clients.filter((client) => !renewedSecretsOf.includes(client.id))
      .map((client) => [client.id, client.secretValues.map((s: any) => ({ id: s.id, secret: s.secret }))])),
    tokens: Object.fromEntries(state.users.map((user) => [user.id, [...user.oneTimeTokens].sort()])),
    stored: Object.fromEntries(Object.entries(state.secrets).filter(([role]) => !deletedRoles.includes(role))),
  };
}

/** Takes the subject's new tokens that nothing stores out of `is`: the documented limitation, counted. */
function dropUnstoredTokens(was: Holdings, is: Holdings, after: RawState, subject: string | undefined, deletedRoles: readonly string[]): number {
  if (!subject || !is.tokens[subject]) return 0;
  const holders = tokenHolders(after, deletedRoles);
  const had = was.tokens[subject] ?? [];
  const unstored = is.tokens[subject].filter((token) => !had.includes(token) && !holders.has(token));
  is.tokens[subject] = is.tokens[subject].filter((token) => !unstored.includes(token));
  if (is.tokens[subject].length === 0 && !(subject in was.tokens)) delete is.tokens[subject];
  return unstored.length;
}

/** New tokens that something stores are no limitation: say where they are held. */
function storedTokenProblems(was: Holdings, is: Holdings, after: RawState, deletedRoles: readonly string[]): string[] {
  const holders = tokenHolders(after, deletedRoles);
  return Object.entries(is.tokens).flatMap(([userId, tokens]) => tokens
    .filter((token) => !(was.tokens[userId] ?? []).includes(token) && holders.has(token))
    .map((token) => `user ${userId} has a new live one-time token after FAILED, held in ${holders.get(token)!.join('; ')}`));
}

/** One thing the Reason names as left: how to set it aside in a comparison, and what it is. */
interface Scope {
  readonly description: string;
  /** Removes the named thing from the holdings (`was`: the holdings before, for what "new" means). */
  readonly strip: (holdings: Holdings, was: Holdings) => void;
  /** The named thing in the holdings. */
  readonly part: (holdings: Holdings, was: Holdings) => unknown;
}

const ID = '(\\S+)';
/** The undo steps' descriptions (lambda/resources/*.ts, Compensation.add), longest first where one starts another. */
const LEFTOVERS: ReadonlyArray<{ pattern: RegExp; scope: (id: string, roles: Record<string, string>) => Omit<Scope, 'description'> }> = [
  // Restoring a client's fields also puts back its allowed groups: the client as a whole.
  { pattern: new RegExp(`^the previous fields of OIDC client ${ID}$`), scope: (id) => entityPart('clients', id) },
  { pattern: new RegExp(`^the previous allowed user groups of OIDC client ${ID}$`), scope: (id) => fieldsPart('clients', id, (field) => field === 'allowedUserGroupIds') },
  { pattern: new RegExp(`^the new secrets of OIDC client ${ID}$`), scope: (id) => newSecretsPart(id) },
  // A logo that could not be put back (or removed again): that logo, and its flag.
  { pattern: new RegExp(`^the (?:previous|new) logo of OIDC client ${ID}$`), scope: (id) => logoPart(id, 'hasLogo', 'light') },
  { pattern: new RegExp(`^the (?:previous|new) darkLogo of OIDC client ${ID}$`), scope: (id) => logoPart(id, 'hasDarkLogo', 'dark') },
  { pattern: new RegExp(`^OIDC client ${ID}$`), scope: (id) => combined(entityPart('clients', id), secretsPart(id)) },
  { pattern: new RegExp(`^the previous value of secret ${ID}$`), scope: (arn, roles) => storedPart(roleNamed(roles, arn)) },
  { pattern: new RegExp(`^the previous fields of user ${ID}$`), scope: (id) => fieldsPart('users', id, (field) => field !== 'customClaims' && field !== 'id') },
  { pattern: new RegExp(`^the previous custom claims of user group ${ID}$`), scope: (id) => fieldsPart('groups', id, (field) => field === 'customClaims') },
  { pattern: new RegExp(`^the previous custom claims of user ${ID}$`), scope: (id) => fieldsPart('users', id, (field) => field === 'customClaims') },
  { pattern: new RegExp(`^the previous fields of user group ${ID}$`), scope: (id) => fieldsPart('groups', id, (field) => field === 'name' || field === 'friendlyName') },
  { pattern: new RegExp(`^the previous members of user group ${ID}$`), scope: (id) => fieldsPart('groups', id, (field) => field === 'userIds') },
  { pattern: new RegExp(`^user group ${ID}$`), scope: (id) => combined(entityPart('groups', id), memberOfPart('clients', 'allowedUserGroupIds', id)) },
  { pattern: new RegExp(`^user ${ID}$`), scope: (id) => combined(entityPart('users', id), tokensPart(id), memberOfPart('groups', 'userIds', id)) },
  // The undo of a signup token POST: the Reason's cause names the token's id (the DELETE's path) when the POST answered.
  { pattern: /^(the signup token this operation made)$/, scope: () => newSignupTokensPart() },
  // APIs (viewed by resource; the undo steps name their id)
  { pattern: new RegExp(`^the previous fields of API ${ID}$`), scope: (id) => apiFieldsPart(id, ['name']) },
  { pattern: new RegExp(`^the previous permissions of API ${ID}$`), scope: (id) => apiFieldsPart(id, ['permissions', 'grants']) },
  { pattern: new RegExp(`^the previous grants of API ${ID}$`), scope: (id) => apiFieldsPart(id, ['grants']) },
  { pattern: new RegExp(`^the previous CIMD access of API ${ID}$`), scope: (id) => apiFieldsPart(id, ['allowCimdClients', 'permissions']) },
  { pattern: new RegExp(`^API ${ID}$`), scope: (id) => apiFieldsPart(id, undefined) },
  { pattern: /^the previous API access of OIDC client (\S+ on API \S+)$/, scope: (pair) => apiGrantPart(pair) },
  // The application images: an image that could not be put back, or taken away again where there was none
  { pattern: /^the new (\S+) of Pocket-ID$/, scope: (image) => appImagePart(image) },
];

/** Pocket-ID's name of each application image, by the handler's (the property's name, lower camel case: `darkLogo`). */
const APP_IMAGE_NAMES: Record<string, string> = Object.fromEntries(APPLICATION_IMAGES
  .map(([property, name]) => [`${property[0].toLowerCase()}${property.slice(1)}`, name]));

function appImagePart(image: string): Omit<Scope, 'description'> {
  const name = APP_IMAGE_NAMES[image] ?? image;
  return { strip: (h) => void delete h.pocketId.appImages[name], part: (h) => h.pocketId.appImages[name] };
}

/** The signup tokens the holdings have beyond those they had (tokens are compared by their settings: Pocket-ID chooses ids). */
function newSignupTokensPart(): Omit<Scope, 'description'> {
  const extra = (h: Holdings, was: Holdings) => {
    const left = (was.pocketId.signupTokens ?? []).map((token) => JSON.stringify(token));
    return (h.pocketId.signupTokens ?? []).filter((token) => {
      const at = left.indexOf(JSON.stringify(token));
      if (at < 0) return true;
      left.splice(at, 1);
      return false;
    });
  };
  return {
    strip: (h, was) => {
      const gone = extra(h, was);
      (h.pocketId as unknown as { signupTokens: unknown[] }).signupTokens = (h.pocketId.signupTokens ?? []).filter((token) => !gone.includes(token));
    },
    part: (h, was) => extra(h, was),
  };
}

/** The items after "Cleanup also failed, remove by hand:", each "description (what went wrong)", joined by "; ". */
export function leftoversNamed(reason: string, roles: Record<string, string>): { scopes: Scope[]; unknown: string[] } {
  const at = reason.indexOf(CLEANUP_FAILED);
  if (at < 0) return { scopes: [], unknown: [] };
  const items = [...reason.slice(at + CLEANUP_FAILED.length).matchAll(/(?:^|\); )([^()]+?) \(/g)].map((match) => match[1]);
  if (items.length === 0) return { scopes: [], unknown: ['(nothing)'] };
  const scopes: Scope[] = [];
  const unknown: string[] = [];
  for (const item of items) {
    const known = LEFTOVERS.map(({ pattern, scope }) => ({ match: pattern.exec(item), scope })).find(({ match }) => match);
    if (known?.match) scopes.push({ description: item, ...known.scope(known.match[1], roles) });
    else unknown.push(item);
  }
  return { scopes, unknown };
}

type Kind = 'clients' | 'users' | 'groups';

// APIs

/** The resource under which the view holds the API with this id (in `h`, or else in `was`). */
function apiResource(h: Holdings, was: Holdings, id: string): string | undefined {
  const find = (holdings: Holdings) => Object.entries(holdings.pocketId.apis).find(([, held]) => held.id === id)?.[0];
  return find(h) ?? find(was);
}

/** The named fields of the API with the id; undefined fields: the whole API. */
function apiFieldsPart(id: string, fields: readonly string[] | undefined): Omit<Scope, 'description'> {
  const pick = (h: Holdings, was: Holdings) => {
    const resource = apiResource(h, was, id);
    const held = resource === undefined ? undefined : h.pocketId.apis[resource];
    return { resource, held };
  };
  return {
    strip: (h, was) => {
      const { resource, held } = pick(h, was);
      if (resource === undefined || held === undefined) return;
      if (fields === undefined) delete h.pocketId.apis[resource];
      else for (const field of fields) delete held[field];
    },
    part: (h, was) => {
      const { held } = pick(h, was);
      if (held === undefined || fields === undefined) return held;
      return Object.fromEntries(fields.map((field) => [field, held[field]]));
    },
  };
}

/** One client's grant on one API ("<clientId> on API <apiId>"). */
function apiGrantPart(pair: string): Omit<Scope, 'description'> {
  const [clientId, apiId] = pair.split(' on API ');
  const grantsOf = (h: Holdings, was: Holdings) => {
    const resource = apiResource(h, was, apiId);
    return resource === undefined ? undefined : h.pocketId.apis[resource]?.grants as Record<string, unknown> | undefined;
  };
  return {
    strip: (h, was) => void delete grantsOf(h, was)?.[clientId],
    part: (h, was) => grantsOf(h, was)?.[clientId],
  };
}

function entityPart(kind: Kind, id: string): Omit<Scope, 'description'> {
  return { strip: (h) => void delete h.pocketId[kind][id], part: (h) => h.pocketId[kind][id] };
}

function fieldsPart(kind: Kind, id: string, named: (field: string) => boolean): Omit<Scope, 'description'> {
  const pick = (h: Holdings) => Object.entries(h.pocketId[kind][id] ?? {}).filter(([field]) => named(field));
  return {
    strip: (h) => {
      for (const [field] of pick(h)) delete h.pocketId[kind][id][field];
    },
    part: (h) => Object.fromEntries(pick(h)),
  };
}

/** One logo of a client: its has-flag and its digest (logoDigests.light or .dark). */
function logoPart(clientId: string, flag: string, digest: 'light' | 'dark'): Omit<Scope, 'description'> {
  return {
    strip: (h) => {
      const client = h.pocketId.clients[clientId] as Record<string, any> | undefined;
      if (!client) return;
      delete client[flag];
      if (client.logoDigests) delete client.logoDigests[digest];
    },
    part: (h) => {
      const client = h.pocketId.clients[clientId] as Record<string, any> | undefined;
      return client ? { flag: client[flag], digest: client.logoDigests?.[digest] } : undefined;
    },
  };
}

function secretsPart(clientId: string): Omit<Scope, 'description'> {
  return { strip: (h) => void delete h.clientSecrets[clientId], part: (h) => h.clientSecrets[clientId] };
}

/** The client's secrets that it did not have before; the ones it had must all still be there. */
function newSecretsPart(clientId: string): Omit<Scope, 'description'> {
  const isNew = (was: Holdings) => (secret: { id: string; secret: string }) =>
    !(was.clientSecrets[clientId] ?? []).some((s) => s.id === secret.id && s.secret === secret.secret);
  return {
    strip: (h, was) => {
      if (h.clientSecrets[clientId]) h.clientSecrets[clientId] = h.clientSecrets[clientId].filter((secret) => !isNew(was)(secret));
    },
    part: (h, was) => (h.clientSecrets[clientId] ?? []).filter(isNew(was)),
  };
}

function storedPart(role: string): Omit<Scope, 'description'> {
  return { strip: (h) => void delete h.stored[role], part: (h) => h.stored[role] };
}

function tokensPart(userId: string): Omit<Scope, 'description'> {
  return { strip: (h) => void delete h.tokens[userId], part: (h) => h.tokens[userId] };
}

/** The id in the relation lists of the other kind (a user in groups' members, a group in clients' allowed groups). */
function memberOfPart(kind: Kind, field: string, id: string): Omit<Scope, 'description'> {
  return {
    strip: (h) => {
      for (const entity of Object.values(h.pocketId[kind])) entity[field] = (entity[field] as string[]).filter((member) => member !== id);
    },
    part: (h) => Object.values(h.pocketId[kind]).filter((entity) => (entity[field] as string[]).includes(id)).map((entity) => entity.id),
  };
}

function combined(...parts: Array<Omit<Scope, 'description'>>): Omit<Scope, 'description'> {
  return {
    strip: (h, was) => parts.forEach((part) => part.strip(h, was)),
    part: (h, was) => parts.map((part) => part.part(h, was)),
  };
}

function roleNamed(roles: Record<string, string>, arn: string): string {
  return Object.entries(roles).find(([, candidate]) => candidate === arn)?.[0] ?? arn;
}
