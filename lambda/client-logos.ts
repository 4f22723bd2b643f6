import { clientPath } from './client-secrets';
import { UnexpectedResponseError } from './errors';
import { UploadedFile } from './http-client';
import { imageSourceProblems, PresetVariant, readClientLogo, readHeldImage, sameSource } from './images';
import { FeatureUse } from './release';
import { Operation, OperationContext } from './resource';
import { OidcClientProperties } from '../lib/contract';

/** One of a client's two logos. */
interface LogoSlot {
  readonly property: 'Logo' | 'DarkLogo';
  /** How the construct's prop is named in messages. */
  readonly prop: string;
  readonly variant: PresetVariant;
  /** The field of the client that says whether Pocket-ID holds this logo (GET ?light=false falls back to the light one). */
  readonly heldField: 'hasLogo' | 'hasDarkLogo';
}

const SLOTS: readonly LogoSlot[] = [
  { property: 'Logo', prop: 'logo', variant: 'light', heldField: 'hasLogo' },
  { property: 'DarkLogo', prop: 'darkLogo', variant: 'dark', heldField: 'hasDarkLogo' },
];

/** What a change of one logo does. */
interface LogoChange {
  readonly slot: LogoSlot;
  /** The image to upload; undefined: the logo is no longer declared, and is deleted. */
  readonly file?: UploadedFile;
}

/** The client fields this module reads. */
interface ClientWithLogos {
  readonly id: string;
  readonly hasLogo?: boolean;
  readonly hasDarkLogo?: boolean;
}

/**
 * Makes the client's logos what the properties declare. A logo is sent only when its source changed
 * (a file's asset hash, a URL, a preset), or the client is new to this resource; one no longer declared
 * is deleted; one never declared is left alone. Every image is read before the first write; the logo
 * a write replaces is read first too, and put back if the operation fails later.
 */
export async function writeClientLogos(
  client: ClientWithLogos,
  properties: OidcClientProperties,
  previous: Partial<OidcClientProperties>,
  operation: Operation,
  madeHere: boolean,
): Promise<void> {
  const changes: LogoChange[] = [];
  for (const slot of SLOTS) {
    const wanted = properties[slot.property];
    const before = previous[slot.property];
    if (wanted === undefined || wanted === null) {
      if (before !== undefined && before !== null && client[slot.heldField]) changes.push({ slot });
    } else if (madeHere || !sameSource(before, wanted) || !client[slot.heldField]) {
      changes.push({ slot, file: await readClientLogo(wanted, slot.prop, slot.variant, operation) });
    }
  }
  for (const change of changes) {
    if (!madeHere) await registerRestore(client, change.slot, operation);
    if (change.file) await uploadLogo(client.id, change.slot, change.file, operation);
    else await deleteLogo(client.id, change.slot, operation);
  }
}

/** The logos that need a newer Pocket-ID: presets (2.18). */
export function logoFeaturesUsed(properties: OidcClientProperties): FeatureUse[] {
  return SLOTS.filter((slot) => properties[slot.property]?.Preset !== undefined).map((slot) => ({ prop: slot.prop, feature: 'LOGO_PRESETS' }));
}

/** Problems with the shape of the logo properties. */
export function logoShapeProblems(properties: OidcClientProperties): string[] {
  return SLOTS.flatMap((slot) => imageSourceProblems(slot.prop, slot.property, properties[slot.property], true));
}

/** Reads the logo a write will replace (or learns there is none) and arranges to put it back. */
async function registerRestore(client: ClientWithLogos, slot: LogoSlot, operation: Operation): Promise<void> {
  const held = client[slot.heldField] ? await readLogo(client.id, slot, operation) : undefined;
  // Named by what is left when putting it back fails: the new logo, where there was none.
  const description = `the ${held ? 'previous' : 'new'} ${slot.prop} of OIDC client ${client.id}`;
  operation.undo.add(description, async () => {
    if (held) await uploadLogo(client.id, slot, held, operation);
    else await deleteLogo(client.id, slot, operation);
  }, {
    partOf: client.id,
    requests: 2,
    isUndone: async () => {
      if (!await holdsLogo(client.id, slot, operation)) return held === undefined;
      return held !== undefined && (await readLogo(client.id, slot, operation))?.data.equals(held.data) === true;
    },
  });
}

/** The logo Pocket-ID holds, named with the extension its type is saved under; undefined when it has none. */
function readLogo(clientId: string, slot: LogoSlot, context: OperationContext): Promise<UploadedFile | undefined> {
  return readHeldImage(context, `Read the ${slot.prop} of OIDC client`, logoPath(clientId, slot), 'logo');
}

async function uploadLogo(clientId: string, slot: LogoSlot, file: UploadedFile, context: OperationContext): Promise<void> {
  await context.api.upload(`Upload the ${slot.prop} of OIDC client`, 'POST', logoPath(clientId, slot), file);
}

/** Deletes the logo; one already gone (404 image_not_found) is what was wanted. */
async function deleteLogo(clientId: string, slot: LogoSlot, context: OperationContext): Promise<void> {
  const path = logoPath(clientId, slot);
  await context.api.delete(`Delete the ${slot.prop} of OIDC client`, path, async () => !(await holdsLogo(clientId, slot, context)));
}

async function holdsLogo(clientId: string, slot: LogoSlot, context: OperationContext): Promise<boolean> {
  const path = clientPath(clientId);
  const client = await context.api.get<ClientWithLogos>('Read OIDC client', path);
  const held = client?.[slot.heldField];
  if (typeof held !== 'boolean') throw new UnexpectedResponseError({ operation: 'Read OIDC client', method: 'GET', path }, `no ${slot.heldField} in the client`);
  return held;
}

function logoPath(clientId: string, slot: LogoSlot): string {
  return `${clientPath(clientId)}/logo?light=${slot.variant === 'light'}`;
}
