/**
 * The application images, end to end: the bundled handler reads each file's asset from moto's S3 with
 * a signed GET, or downloads a URL's image (from a local server), and PUTs the bytes to Pocket-ID (the
 * test server, or a real Pocket-ID when POCKETID_BASE_URL and POCKETID_API_TOKEN are set). Each step
 * reads the images back over HTTP and compares their bytes. The images are the instance's own: the
 * suite puts back what the instance had when it ends.
 */
import { ResourceType } from '../../lib/contract';
import { AcceptanceRun, requestsLogged, StartedRun, without } from '../support/acceptance';
import { Step } from '../support/cloudformation';
import { ImageHost } from '../support/image-host';
import { isRealPocketId } from '../support/pocket-id-target';
import { TestObjects } from '../support/s3-objects';

const acceptance = new AcceptanceRun(ResourceType.APPLICATION_IMAGES);
const { run, properties, expectFailed, expectSucceeded } = acceptance;
/** The started run (set in beforeAll). */
let suite: StartedRun;
const objects = new TestObjects();
const testServerOnly = isRealPocketId() ? test.skip : test;

const PATHS: Record<string, string> = {
  Logo: '/api/application-images/logo?light=true',
  DarkLogo: '/api/application-images/logo?light=false',
  Background: '/api/application-images/background',
  Favicon: '/api/application-images/favicon',
  EmailLogo: '/api/application-images/email',
  DefaultProfilePicture: '/api/application-images/default-profile-picture',
};

function svg(marker: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><title>${marker}</title><rect width="8" height="8"/></svg>`);
}

/** Bytes that pass for a PNG header (Pocket-ID types by extension and keeps the bytes; exifremove leaves them). */
function pngLike(marker: string): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(marker)]);
}


let imageHost: ImageHost;
/** What the instance had before the suite, put back after it. */
const original = new Map<string, { type: string; data: Buffer } | undefined>();

async function imageOf(key: string): Promise<{ type: string; data: Buffer } | undefined> {
  const response = await fetch(`${suite.target.baseUrl}${PATHS[key]}`, { headers: { 'X-API-Key': suite.target.apiToken } });
  if (response.status === 404) return undefined;
  expect(response.status).toBe(200);
  return { type: response.headers.get('content-type') ?? '', data: Buffer.from(await response.arrayBuffer()) };
}

async function putImage(key: string, fileName: string, data: Buffer): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([data]), fileName);
  const response = await fetch(`${suite.target.baseUrl}${PATHS[key]}`, { method: 'PUT', body: form, headers: { 'X-API-Key': suite.target.apiToken } });
  expect(response.status).toBe(204);
}

beforeAll(async () => {
  suite = await acceptance.start();
  imageHost = await ImageHost.start();
  for (const key of Object.keys(PATHS)) original.set(key, await imageOf(key));
});

afterAll(async () => {
  await imageHost.stop();
  const extensions: Record<string, string> = { 'image/png': 'png', 'image/webp': 'webp', 'image/x-icon': 'ico', 'image/svg+xml': 'svg', 'image/jpeg': 'jpg' };
  for (const [key, image] of original) {
    if (image) await putImage(key, `original.${extensions[image.type.split(';')[0]] ?? 'png'}`, image.data);
    else if (!['Favicon', 'EmailLogo'].includes(key)) await fetch(`${suite.target.baseUrl}${PATHS[key]}`, { method: 'DELETE', headers: { 'X-API-Key': suite.target.apiToken } });
  }
  await acceptance.stop();
});

function imageWrites(step: Step): Array<{ method: string; path: string }> {
  return requestsLogged(step)
    .filter((request) => request.path.startsWith('/api/application-images/') && request.method !== 'GET')
    .map(({ method, path }) => ({ method, path }));
}

describe('the application images', () => {
  const logicalId = 'Images';
  let physicalId: string;
  let props: Record<string, unknown>;
  const files = {
    Logo: svg(`logo-${run}`),
    DarkLogo: svg(`dark-${run}`),
    Background: pngLike(`background-${run}`),
    Favicon: svg(`favicon-${run}`),
    EmailLogo: pngLike(`email-${run}`),
    DefaultProfilePicture: pngLike(`picture-${run}`),
  };

  test('Create uploads every image: files read from S3, one downloaded from a URL', async () => {
    imageHost.serve('/dark.svg', 'image/svg+xml', files.DarkLogo);
    props = properties({
      Logo: await objects.asset('logo.svg', files.Logo),
      DarkLogo: { Url: `${imageHost.url}/dark.svg` },
      Background: await objects.asset('background.png', files.Background),
      Favicon: await objects.asset('favicon.svg', files.Favicon),
      EmailLogo: await objects.asset('email.png', files.EmailLogo),
      DefaultProfilePicture: await objects.asset('picture.png', files.DefaultProfilePicture),
    });
    const step = await suite.cfn.create(logicalId, props);
    await expectSucceeded(step);
    physicalId = step.response.PhysicalResourceId;
    expect(physicalId).toBe(`application-images@${suite.target.baseUrl}`);
    for (const [key, data] of Object.entries(files)) {
      expect({ key, same: (await imageOf(key))?.data.equals(data) }).toEqual({ key, same: true });
    }
  });

  test('an Update with the same files and URL sends nothing', async () => {
    const step = await suite.cfn.update(logicalId, physicalId, { ...props }, props);
    await expectSucceeded(step);
    expect(imageWrites(step)).toEqual([]);
  });

  test('a new file is uploaded again, and only it', async () => {
    const background = pngLike(`background2-${run}`);
    const next = { ...props, Background: await objects.asset('background.png', background) };
    const step = await suite.cfn.update(logicalId, physicalId, next, props);
    await expectSucceeded(step);
    props = next;
    expect(imageWrites(step)).toEqual([{ method: 'PUT', path: PATHS.Background }]);
    expect((await imageOf('Background'))?.data.equals(background)).toBe(true);
  });

  test.each([
    ['EmailLogo', 'email.PNG', /emailLogo: 'email\.PNG' must end in \.png, \.jpg or \.jpeg, in lower case/],
    ['Favicon', 'favicon.gif', /favicon: 'favicon\.gif' must end in \.svg, \.png or \.ico/],
    ['Background', 'background.bmp', /background: 'background\.bmp' must end in one of \.avif/],
  ])('%s named %s is refused by rule before anything is written', async (key, fileName, message) => {
    const step = await suite.cfn.update(logicalId, physicalId, { ...props, Logo: await objects.asset('logo.svg', svg(`x-${run}`)), [key]: await objects.asset(fileName, pngLike('bad')) }, props);
    expectFailed(step, message);
    expect(imageWrites(step)).toEqual([]);
  });

  testServerOnly('a write that fails after others succeeded puts the earlier images back', async () => {
    const before = { logo: await imageOf('Logo'), background: await imageOf('Background') };
    suite.target.testServer!.injectFault({ method: 'PUT', path: '/api/application-images/favicon', status: 500 });
    const next = {
      ...props,
      Logo: await objects.asset('logo.svg', svg(`logo3-${run}`)),
      Background: await objects.asset('background.webp', Buffer.from(`RIFF....WEBP${run}`)),
      Favicon: await objects.asset('favicon.png', pngLike(`favicon3-${run}`)),
    };
    const step = await suite.cfn.update(logicalId, physicalId, next, props);
    expectFailed(step, /favicon/);
    expect((await imageOf('Logo'))?.data.equals(before.logo!.data)).toBe(true);
    const background = await imageOf('Background');
    expect({ type: background?.type, same: background?.data.equals(before.background!.data) }).toEqual({ type: before.background!.type, same: true });
  });

  test('images no longer declared are deleted where Pocket-ID can; the favicon and email logo stay', async () => {
    const next = without(props, 'DarkLogo', 'Background', 'Favicon', 'EmailLogo', 'DefaultProfilePicture');
    const step = await suite.cfn.update(logicalId, physicalId, next, props);
    await expectSucceeded(step);
    props = next;
    expect(imageWrites(step)).toEqual([
      { method: 'DELETE', path: PATHS.DarkLogo },
      { method: 'DELETE', path: PATHS.Background },
      { method: 'DELETE', path: PATHS.DefaultProfilePicture },
    ]);
    expect(await imageOf('DarkLogo')).toBeUndefined();
    expect(await imageOf('Background')).toBeUndefined();
    expect((await imageOf('Favicon'))?.data.equals(files.Favicon)).toBe(true);
    expect((await imageOf('EmailLogo'))?.data.equals(files.EmailLogo)).toBe(true);
  });

  test('Delete leaves the images as they are', async () => {
    const step = await suite.cfn.delete(logicalId, physicalId, props);
    await expectSucceeded(step);
    expect(imageWrites(step)).toEqual([]);
    expect((await imageOf('Logo'))?.data.equals(files.Logo)).toBe(true);
  });

  test('a preset is refused: presets are client logos', async () => {
    const step = await suite.cfn.create('PresetImages', properties({ Logo: { Preset: 'jellyfin' } }));
    expectFailed(step, /logo must be exactly one of a file \(Bucket and Key\) or a URL \(Url\)/);
  });
});
