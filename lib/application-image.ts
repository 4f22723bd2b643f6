import { Construct } from 'constructs';
import { ImageSourceProperties } from './contract';
import { bindFile, fileProblems, FileRules, urlProblems } from './private/image-source';
import { PocketIdBinding } from './private/pocket-id-provider';

/**
 * An image of the Pocket-ID application (`ApplicationImages`): a local file, uploaded as a CDK asset
 * and sent to Pocket-ID by the handler, or an image at a URL, which the handler downloads. A changed
 * file (a new asset hash) or URL uploads the image again; an unchanged one is not sent again.
 */
export abstract class ApplicationImage {
  /**
   * A local image file, typed by its extension as Pocket-ID does (the favicon svg, png or ico; the email
   * logo png, jpg or jpeg in lower case). Pocket-ID 2.15+ refuse more than 16 million pixels. Checked at synth time.
   */
  public static fromFile(filePath: string): ApplicationImage {
    return new FileImage(filePath);
  }

  /**
   * An image at an http(s) URL, downloaded by the handler when it deploys (so the handler must reach
   * it): the extension of the URL's path types it, else its Content-Type.
   */
  public static fromUrl(url: string): ApplicationImage {
    return new UrlImage(url);
  }

  /**
   * The problems found with this image when used as `field` under `rules`.
   *
   * @internal
   */
  public abstract _problems(field: string, rules: FileRules): string[];

  /**
   * The custom resource properties of this image; a file becomes an asset in `scope` that the handler may read.
   *
   * @internal
   */
  public abstract _bind(scope: Construct, id: string, binding: PocketIdBinding): ImageSourceProperties;
}

class FileImage extends ApplicationImage {
  constructor(private readonly filePath: string) {
    super();
  }

  public _problems(field: string, rules: FileRules): string[] {
    return fileProblems(field, this.filePath, 'ApplicationImage.fromFile', rules);
  }

  public _bind(scope: Construct, id: string, binding: PocketIdBinding): ImageSourceProperties {
    return bindFile(scope, id, this.filePath, binding);
  }
}

class UrlImage extends ApplicationImage {
  constructor(private readonly url: string) {
    super();
  }

  public _problems(field: string): string[] {
    return urlProblems(field, this.url, 'ApplicationImage.fromUrl');
  }

  public _bind(): ImageSourceProperties {
    return { Url: this.url };
  }
}
