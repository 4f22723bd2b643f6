import { Construct } from 'constructs';
import { ApplicationImage } from './application-image';
import { ApplicationImagesProperties, CONTRACT_VERSION, ImageSourceProperties, ResourceType } from './contract';
import { PocketId } from './pocket-id';
import { PocketIdCustomResource, withoutCreationStacks } from './private/custom-resource';
import { applicationImageProblems, ApplicationImageSlot } from './private/images';
import { assertValidProps, checkObject, invalidProps } from './private/prop-types';
import { requireValue } from './private/properties';

/** Props of `ApplicationImages`. */
export interface ApplicationImagesProps {
  /** The Pocket-ID instance whose images these are. */
  readonly pocketId: PocketId;

  /**
   * The application's logo (for light backgrounds, or the only one).
   *
   * @default - not managed: the logo Pocket-ID has is left alone
   */
  readonly logo?: ApplicationImage;

  /**
   * The application's logo for dark backgrounds.
   *
   * @default - not managed
   */
  readonly darkLogo?: ApplicationImage;

  /**
   * The background image of the sign-in page.
   *
   * @default - not managed
   */
  readonly background?: ApplicationImage;

  /**
   * The favicon: svg, png or ico. Pocket-ID cannot remove a favicon: once managed, removing this prop leaves the last one there.
   *
   * @default - not managed
   */
  readonly favicon?: ApplicationImage;

  /**
   * The logo in emails: png, jpg or jpeg (in lower case). Pocket-ID cannot remove it: once managed,
   * removing this prop leaves the last one there.
   *
   * @default - not managed
   */
  readonly emailLogo?: ApplicationImage;

  /**
   * The profile picture of users who have none.
   *
   * @default - not managed
   */
  readonly defaultProfilePicture?: ApplicationImage;
}

/** The props, their contract keys, and their rules. */
const SLOTS: ReadonlyArray<{ readonly prop: ApplicationImageSlot; readonly key: keyof ApplicationImagesProperties & string }> = [
  { prop: 'logo', key: 'Logo' },
  { prop: 'darkLogo', key: 'DarkLogo' },
  { prop: 'background', key: 'Background' },
  { prop: 'favicon', key: 'Favicon' },
  { prop: 'emailLogo', key: 'EmailLogo' },
  { prop: 'defaultProfilePicture', key: 'DefaultProfilePicture' },
];

/** The id of the marker an instance's ApplicationImages leaves on it, so that a second one fails at synth. */
const MARKER_ID = 'CdkPocketIdApplicationImages';

/**
 * The application images of a Pocket-ID instance: logos, background, favicon, email logo and default
 * profile picture, each from a file (a CDK asset) or a URL. One per instance. Only the images given are
 * managed. A changed file or URL is uploaded again; if a deployment fails halfway, the images it
 * replaced are put back. An image removed from the props is deleted where Pocket-ID can (logos,
 * background, default profile picture); the favicon and email logo stay as they were last set.
 * Deleting this construct leaves the images as they are: Pocket-ID has no way back to its defaults.
 */
export class ApplicationImages extends Construct {
  /** The Pocket-ID instance whose images these are. */
  public readonly pocketId: PocketId;

  constructor(scope: Construct, id: string, props: ApplicationImagesProps) {
    super(scope, id);
    withoutCreationStacks(this);
    assertValidProps(this, 'ApplicationImages', {
      types: () => [
        ...checkObject('pocketId', props.pocketId, (value) => value instanceof PocketId, 'a PocketId'),
        ...SLOTS.flatMap(({ prop }) => checkObject(prop, props[prop], (value) => value instanceof ApplicationImage,
          'an ApplicationImage (ApplicationImage.fromFile or fromUrl)')),
      ],
      rules: () => [
        ...requireValue('pocketId', props.pocketId),
        ...SLOTS.flatMap(({ prop }) => props[prop]?._problems(prop, (field, name, data) => applicationImageProblems(prop, field, name, data)) ?? []),
      ],
    });
    const existing = props.pocketId.node.tryFindChild(MARKER_ID);
    if (existing) {
      throw invalidProps(this, 'ApplicationImages', [`the Pocket-ID instance '${props.pocketId.node.path}' has ApplicationImages already `
        + `('${String(existing.node.metadata[0]?.data)}'): one per instance, or the two would overwrite each other's images`]);
    }
    new Construct(props.pocketId, MARKER_ID).node.addMetadata('cdk-pocket-id:applicationImages', this.node.path);
    this.pocketId = props.pocketId;
    const binding = props.pocketId._bind(this);
    const images: Record<string, ImageSourceProperties | undefined> = {};
    for (const { prop, key } of SLOTS) images[key] = props[prop]?._bind(this, key, binding);
    const properties: ApplicationImagesProperties = { ...binding.connection, ContractVersion: CONTRACT_VERSION, ...images };
    new PocketIdCustomResource(this, 'Resource', { serviceToken: binding.serviceToken, resourceType: ResourceType.APPLICATION_IMAGES, properties });
  }
}
