import { ApplicationImagesProperties, ImageSourceProperties } from '../../lib/contract';
import { applicationImageProblems, ApplicationImageSlot } from '../../lib/private/images';
import { UploadedFile } from '../http-client';
import { imageSourceProblems, MAX_APPLICATION_IMAGE_DOWNLOAD_BYTES, readHeldImage, readImage, sameSource } from '../images';
import { CreateEvent, DeleteEvent, HandlerResult, Operation, OperationContext, ResourceHandler, UpdateEvent, withCompensation } from '../resource';

/** One application image: its property, Pocket-ID's route and whether Pocket-ID can delete it. */
interface ImageSlot {
  readonly property: keyof ApplicationImagesProperties & string;
  readonly prop: ApplicationImageSlot;
  /** The path of its GET, PUT and DELETE. */
  readonly path: string;
  /** Pocket-ID has DELETE for the logos, the background and the default profile picture only. */
  readonly deletable: boolean;
}

const SLOTS: readonly ImageSlot[] = [
  { property: 'Logo', prop: 'logo', path: '/api/application-images/logo?light=true', deletable: true },
  { property: 'DarkLogo', prop: 'darkLogo', path: '/api/application-images/logo?light=false', deletable: true },
  { property: 'Background', prop: 'background', path: '/api/application-images/background', deletable: true },
  { property: 'Favicon', prop: 'favicon', path: '/api/application-images/favicon', deletable: false },
  { property: 'EmailLogo', prop: 'emailLogo', path: '/api/application-images/email', deletable: false },
  { property: 'DefaultProfilePicture', prop: 'defaultProfilePicture', path: '/api/application-images/default-profile-picture', deletable: true },
];

/** What one slot's change does: upload `file`, or (undefined) delete the image no longer declared. */
interface ImageChange {
  readonly slot: ImageSlot;
  readonly file?: UploadedFile;
}

/**
 * The application images of one instance. Pocket-ID has one set per instance, with no id: the
 * physical id names the instance, so that moving to another one replaces the resource. Delete leaves
 * the images as they are: Pocket-ID's DELETE takes an image away (a 404 after it), it does not bring
 * back the default, and the favicon and email logo cannot be deleted at all; a deleted stack should
 * not leave the sign-in page without its logo. So a Delete needs no request (`ownsNothing`).
 */
export const applicationImages: ResourceHandler = {
  validate: validateProperties,
  ownsNothing: true,

  async create(event: CreateEvent, context: OperationContext): Promise<HandlerResult> {
    const properties = event.ResourceProperties as unknown as ApplicationImagesProperties;
    await withCompensation(context, (operation) => writeImages(properties, {}, operation));
    return { PhysicalResourceId: physicalIdOf(properties) };
  },

  async update(event: UpdateEvent, context: OperationContext): Promise<HandlerResult> {
    const properties = event.ResourceProperties as unknown as ApplicationImagesProperties;
    const previous = event.OldResourceProperties as unknown as Partial<ApplicationImagesProperties>;
    const physicalId = physicalIdOf(properties);
    // Another instance: a new resource, whose images are all written there (the old instance's stay, as on Delete).
    const before = physicalId === event.PhysicalResourceId ? previous : {};
    await withCompensation(context, (operation) => writeImages(properties, before, operation));
    return { PhysicalResourceId: physicalId };
  },

  // Never reached (ownsNothing): the images stay as they are.
  async delete(event: DeleteEvent): Promise<HandlerResult> {
    return { PhysicalResourceId: event.PhysicalResourceId };
  },
};

function physicalIdOf(properties: ApplicationImagesProperties): string {
  return `application-images@${properties.BaseUrl.replace(/\/+$/, '')}`;
}

/**
 * Uploads every declared image whose source changed (a new asset hash, another URL), and deletes
 * those no longer declared where Pocket-ID can. Every image is read before the first write; each
 * write first reads the image it replaces and registers putting it back.
 */
async function writeImages(
  properties: ApplicationImagesProperties,
  previous: Partial<ApplicationImagesProperties>,
  operation: Operation,
): Promise<void> {
  const changes: ImageChange[] = [];
  for (const slot of SLOTS) {
    const wanted = properties[slot.property] as ImageSourceProperties | undefined;
    const before = previous[slot.property] as ImageSourceProperties | undefined;
    if (wanted === undefined || wanted === null) {
      if (before === undefined || before === null) continue;
      if (slot.deletable) changes.push({ slot });
      else operation.logger.warn('an image no longer declared stays: Pocket-ID cannot delete it', { image: slot.prop });
    } else if (!sameSource(before, wanted)) {
      const rules = {
        problems: (field: string, name: string, data: Uint8Array) => applicationImageProblems(slot.prop, field, name, data),
        maxDownloadBytes: MAX_APPLICATION_IMAGE_DOWNLOAD_BYTES,
      };
      changes.push({ slot, file: await readImage(wanted, slot.prop, rules, operation) });
    }
  }
  for (const change of changes) {
    const held = await readHeld(change.slot, operation);
    if (held === undefined && !change.file) continue;
    registerRestore(change.slot, held, operation);
    if (change.file) await upload(change.slot, change.file, operation);
    else await remove(change.slot, operation);
  }
}

/**
 * Arranges to put back the image a write replaces, or to take away again one that was not there.
 * Named by what is left when that fails: the new image.
 */
function registerRestore(slot: ImageSlot, held: UploadedFile | undefined, operation: Operation): void {
  // A favicon or email logo Pocket-ID had none of cannot be taken away again; both come with every instance.
  if (!held && !slot.deletable) return;
  operation.undo.add(`the new ${slot.prop} of Pocket-ID`, () => (held ? upload(slot, held, operation) : remove(slot, operation)), {
    requests: 2,
    isUndone: async () => {
      const now = await readHeld(slot, operation);
      return held === undefined ? now === undefined : now?.data.equals(held.data) === true;
    },
  });
}

/** The image Pocket-ID holds now, named by the type it serves it as; undefined when it has none. */
function readHeld(slot: ImageSlot, context: OperationContext): Promise<UploadedFile | undefined> {
  return readHeldImage(context, `Read the ${slot.prop} of Pocket-ID`, slot.path, slot.prop === 'emailLogo' ? 'email' : 'image');
}

async function upload(slot: ImageSlot, file: UploadedFile, context: OperationContext): Promise<void> {
  await context.api.upload(`Upload the ${slot.prop} of Pocket-ID`, 'PUT', slot.path, file);
}

/** Deletes the image; one already gone (404 image_not_found) is what was wanted. */
async function remove(slot: ImageSlot, context: OperationContext): Promise<void> {
  await context.api.delete(`Delete the ${slot.prop} of Pocket-ID`, slot.path, async () => (await readHeld(slot, context)) === undefined);
}

function validateProperties(raw: Record<string, unknown>): string[] {
  return SLOTS.flatMap((slot) => imageSourceProblems(slot.prop, slot.property, raw[slot.property], false));
}
