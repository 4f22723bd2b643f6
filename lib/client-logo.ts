import { Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ImageSourceProperties } from './contract';
import { bindFile, fileProblems, urlProblems } from './private/image-source';
import { clientLogoProblems } from './private/images';
import { PocketIdBinding } from './private/pocket-id-provider';

/** Pocket-ID 2.18's rule for a logo preset's reference (logopreset.referencePattern). */
const PRESET_REFERENCE = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * The logo of an OIDC client (`logo` and `darkLogo` of `OidcClient`): a local file, uploaded as a CDK
 * asset and sent to Pocket-ID by the handler; an image at a URL, which the handler downloads; or a
 * logo preset of Pocket-ID 2.18's icon library. A changed file (a new asset hash), URL or preset
 * uploads the logo again; an unchanged one is not sent again.
 */
export abstract class ClientLogo {
  /**
   * A local image file. Its extension types it (avif, gif, heic, ico, jpeg, jpg, png, svg or webp), as
   * Pocket-ID does; it may have at most 2 MiB less 1 KiB, and (Pocket-ID 2.15+) 16 million pixels.
   * Checked at synth time.
   */
  public static fromFile(filePath: string): ClientLogo {
    return new FileLogo(filePath);
  }

  /**
   * An image at an http(s) URL, downloaded by the handler when it deploys (so the handler must reach
   * it) and uploaded to Pocket-ID with the same checks as a file; the URL's extension types it, png when
   * it has none Pocket-ID knows.
   */
  public static fromUrl(url: string): ClientLogo {
    return new SourceLogo({ Url: url }, (field) => urlProblems(field, url, 'ClientLogo.fromUrl'));
  }

  /**
   * A logo preset of Pocket-ID's icon library (Pocket-ID 2.18+), by its reference, such as `jellyfin`:
   * the handler finds it with GET /api/oidc/logo-presets and uploads its image. As `darkLogo`, the
   * preset's variant for dark backgrounds is used; a preset without one fails the deployment.
   */
  public static fromPreset(reference: string): ClientLogo {
    return new SourceLogo({ Preset: reference }, (field) => presetProblems(field, reference));
  }

  /**
   * The problems found with this logo when used as `field`; none means it can be bound.
   *
   * @internal
   */
  public abstract _problems(field: string): string[];

  /**
   * The custom resource properties of this logo; a file becomes an asset in `scope` that the handler may read.
   *
   * @internal
   */
  public abstract _bind(scope: Construct, id: string, binding: PocketIdBinding): ImageSourceProperties;
}

class FileLogo extends ClientLogo {
  constructor(private readonly filePath: string) {
    super();
  }

  public _problems(field: string): string[] {
    return fileProblems(field, this.filePath, 'ClientLogo.fromFile', clientLogoProblems);
  }

  public _bind(scope: Construct, id: string, binding: PocketIdBinding): ImageSourceProperties {
    return bindFile(scope, id, this.filePath, binding);
  }
}

class SourceLogo extends ClientLogo {
  constructor(private readonly source: ImageSourceProperties, private readonly check: (field: string) => string[]) {
    super();
  }

  public _problems(field: string): string[] {
    return this.check(field);
  }

  public _bind(): ImageSourceProperties {
    return this.source;
  }
}

function presetProblems(field: string, reference: string): string[] {
  if (typeof reference !== 'string') return [`${field}: ClientLogo.fromPreset needs the reference of a logo preset`];
  if (Token.isUnresolved(reference) || PRESET_REFERENCE.test(reference)) return [];
  return [`${field}: '${reference}' is not a logo preset reference: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit `
    + "(such as 'jellyfin')"];
}
