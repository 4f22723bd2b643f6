import * as http from 'http';
import { AddressInfo } from 'net';

/** A local web server of images, as an image host (or Pocket-ID's icon library) would serve them: 404 for any other path. */
export class ImageHost {
  /** Starts one on a free loopback port. */
  public static async start(): Promise<ImageHost> {
    const host = new ImageHost();
    await new Promise<void>((resolve) => host.server.listen(0, '127.0.0.1', resolve));
    return host;
  }

  private readonly images = new Map<string, { type: string; data: Buffer }>();
  private readonly server = http.createServer((request, response) => {
    const image = this.images.get(request.url ?? '');
    if (!image) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'Content-Type': image.type }).end(image.data);
  });

  private constructor() {}

  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Serves `data` at `path` with Content-Type `type`. */
  public serve(path: string, type: string, data: Buffer): void {
    this.images.set(path, { type, data });
  }

  public async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
