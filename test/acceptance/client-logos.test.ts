/**
 * Client logos, end to end: the bundled handler reads a file's asset from moto's S3 with a signed GET,
 * downloads a URL's image (from a local server), or finds a 2.18 logo preset, and uploads the bytes to
 * Pocket-ID (the test server, or a real Pocket-ID when POCKETID_BASE_URL and POCKETID_API_TOKEN are set).
 * Each step reads the logos back over HTTP and compares their bytes.
 */
import { crc32, deflateSync } from 'zlib';
import { ResourceType } from '../../lib/contract';
import { startPocketIdTestServer } from '../pocket-id-server';
import { AcceptanceRun, requestsLogged, StartedRun, without } from '../support/acceptance';
import { Step } from '../support/cloudformation';
import { ImageHost } from '../support/image-host';
import { isRealPocketId } from '../support/pocket-id-target';
import { TestObjects } from '../support/s3-objects';

const acceptance = new AcceptanceRun(ResourceType.OIDC_CLIENT);
const { run, secrets, properties, expectFailed, expectSucceeded } = acceptance;
/** The started run (set in beforeAll). */
let suite: StartedRun;
const objects = new TestObjects();
const testServerOnly = isRealPocketId() ? test.skip : test;

/** A valid PNG of the given size, one grey pixel row repeated; `marker` makes its bytes unique. */
function png(width: number, height: number, marker: string): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])));
    return Buffer.concat([length, Buffer.from(type, 'latin1'), data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  const rows = Buffer.alloc(Math.min(height, 64) * (width + 1), 0x80);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('tEXt', Buffer.from(`Comment\0${marker}`, 'latin1')),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function svg(marker: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><title>${marker}</title><rect width="8" height="8"/></svg>`);
}


let imageHost: ImageHost;

beforeAll(async () => {
  suite = await acceptance.start();
  imageHost = await ImageHost.start();
});

afterAll(async () => {
  await imageHost.stop();
  const leftovers = await suite.directory.listAll('/api/oidc/clients', run);
  for (const client of leftovers) {
    await fetch(`${suite.target.baseUrl}/api/oidc/clients/${client.id}`, { method: 'DELETE', headers: { 'X-API-Key': suite.target.apiToken } });
  }
  await acceptance.stop();
});

/** The logo Pocket-ID serves (light or dark), or undefined on 404. */
async function logoOf(baseUrl: string, clientId: string, light: boolean): Promise<Buffer | undefined> {
  const response = await fetch(`${baseUrl}/api/oidc/clients/${clientId}/logo?light=${light}`);
  if (response.status === 404) return undefined;
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

function logoWrites(step: Step): Array<{ method: string; path: string }> {
  return requestsLogged(step)
    .filter((request) => request.path.includes('/logo?') && request.method !== 'GET')
    .map(({ method, path }) => ({ method, path }));
}

describe('a client with a logo from a file and a dark logo from a URL', () => {
  const logicalId = 'LogoClient';
  let clientId: string;
  let props: Record<string, unknown>;
  const first = png(32, 32, `first-${run}`);
  const dark = svg(`dark-${run}`);

  async function update(next: Record<string, unknown>): Promise<Step> {
    const step = await suite.cfn.update(logicalId, clientId, next, props);
    return step;
  }

  test('Create uploads the file the handler read from S3 and the image it downloaded', async () => {
    imageHost.serve('/img/dark.svg', 'image/svg+xml', dark);
    props = properties({
      Name: `logo-file-${run}`,
      IsPublic: 'true',
      CallbackUrls: ['https://app.example.com/cb'],
      Logo: await objects.asset('logo.png', first),
      DarkLogo: { Url: `${imageHost.url}/img/dark.svg` },
    });
    const step = await suite.cfn.create(logicalId, props);
    await expectSucceeded(step);
    clientId = step.response.PhysicalResourceId;
    const client = await suite.directory.client(clientId);
    expect({ hasLogo: client.hasLogo, hasDarkLogo: client.hasDarkLogo }).toEqual({ hasLogo: true, hasDarkLogo: true });
    expect((await logoOf(suite.target.baseUrl, clientId, true))?.equals(first)).toBe(true);
    expect((await logoOf(suite.target.baseUrl, clientId, false))?.equals(dark)).toBe(true);
  });

  test('an Update with the same file (same hash) and URL sends no logo', async () => {
    const next = { ...props, Description: 'unchanged logos' };
    const step = await update(next);
    await expectSucceeded(step);
    props = next;
    expect(logoWrites(step)).toEqual([]);
  });

  test('a new file (a new asset hash) is uploaded again', async () => {
    const second = png(48, 48, `second-${run}`);
    const next = { ...props, Logo: await objects.asset('logo.png', second) };
    const step = await update(next);
    await expectSucceeded(step);
    props = next;
    expect(logoWrites(step)).toEqual([{ method: 'POST', path: `/api/oidc/clients/${clientId}/logo?light=true` }]);
    expect((await logoOf(suite.target.baseUrl, clientId, true))?.equals(second)).toBe(true);
  });

  test('an image that cannot be downloaded fails the Update before anything is written', async () => {
    const before = await logoOf(suite.target.baseUrl, clientId, true);
    const next = { ...props, Logo: await objects.asset('logo.png', png(16, 16, `third-${run}`)), DarkLogo: { Url: `${imageHost.url}/img/missing.svg` } };
    const step = await update(next);
    expectFailed(step, /darkLogo: downloading http:\/\/127\.0\.0\.1:\d+\/img\/missing\.svg returned 404/);
    expect(logoWrites(step)).toEqual([]);
    expect((await logoOf(suite.target.baseUrl, clientId, true))?.equals(before!)).toBe(true);
  });

  test('a logo over Pocket-ID\'s limit (asset made outside the construct) is refused by name, and nothing changes', async () => {
    const big = Buffer.concat([png(8, 8, `big-${run}`), Buffer.alloc(2 * 1024 * 1024)]);
    const step = await update({ ...props, Logo: await objects.asset('big.png', big) });
    expectFailed(step, /logo: 'big\.png' has \d+ bytes; Pocket-ID takes a client logo of at most 2096128/);
    expect(logoWrites(step)).toEqual([]);
  });

  test('a failure after the logos were written puts the previous logos back', async () => {
    const before = { light: await logoOf(suite.target.baseUrl, clientId, true), dark: await logoOf(suite.target.baseUrl, clientId, false) };
    const secretArn = await secrets.createOwnedSecret('logo-secret');
    const tooShort = await secrets.create('logo-brought-secret', 'short');
    imageHost.serve('/img/dark2.svg', 'image/svg+xml', svg(`dark2-${run}`));
    const next = {
      ...props,
      IsPublic: 'false',
      SecretArn: secretArn,
      ClientSecretSource: tooShort,
      Logo: await objects.asset('logo.svg', svg(`light3-${run}`)),
      DarkLogo: { Url: `${imageHost.url}/img/dark2.svg` },
    };
    const step = await update(next);
    expectFailed(step, /clientSecret: the value of the secret .* is not a client secret Pocket-ID takes/);
    expect(logoWrites(step).filter((request) => request.method === 'POST')).toHaveLength(4);
    expect((await logoOf(suite.target.baseUrl, clientId, true))?.equals(before.light!)).toBe(true);
    expect((await logoOf(suite.target.baseUrl, clientId, false))?.equals(before.dark!)).toBe(true);
  });

  test('a logo no longer declared is deleted; the other stays', async () => {
    const next = without(props, 'DarkLogo');
    const step = await update(next);
    await expectSucceeded(step);
    props = next;
    expect(logoWrites(step)).toEqual([{ method: 'DELETE', path: `/api/oidc/clients/${clientId}/logo?light=false` }]);
    const client = await suite.directory.client(clientId);
    expect({ hasLogo: client.hasLogo, hasDarkLogo: client.hasDarkLogo }).toEqual({ hasLogo: true, hasDarkLogo: false });
  });

  test('a logo deleted outside CloudFormation is uploaded again by the next Update', async () => {
    await fetch(`${suite.target.baseUrl}/api/oidc/clients/${clientId}/logo?light=true`, { method: 'DELETE', headers: { 'X-API-Key': suite.target.apiToken } });
    const next = { ...props, Description: 'logo repaired' };
    const step = await update(next);
    await expectSucceeded(step);
    props = next;
    expect(logoWrites(step)).toHaveLength(1);
    expect((await suite.directory.client(clientId)).hasLogo).toBe(true);
  });

  test('Delete removes the client with its logos', async () => {
    await expectSucceeded(await suite.cfn.delete(logicalId, clientId, props));
    expect(await suite.directory.client(clientId)).toBeUndefined();
  });
});

describe('bad logo properties', () => {
  test('two sources in one logo are refused by name before anything is made', async () => {
    const name = `logo-bad-${run}`;
    const step = await suite.cfn.create('BadLogo', properties({ Name: name, IsPublic: 'true', Logo: { Url: 'https://example.com/a.png', Preset: 'jellyfin' } }));
    expectFailed(step, /logo must be exactly one of a file \(Bucket and Key\), a URL \(Url\) or a preset \(Preset\)/);
    expect(await suite.directory.clientsNamed(name)).toEqual([]);
  });

  test('a preset on a Pocket-ID older than 2.18 is refused before anything is made', async () => {
    if (await suite.directory.runsAtLeast('2.18.0')) return;
    const name = `logo-old-${run}`;
    const step = await suite.cfn.create('OldPreset', properties({ Name: name, IsPublic: 'true', Logo: { Preset: 'jellyfin' } }));
    expectFailed(step, /logo needs Pocket-ID 2\.18\.0 or newer \(logo presets\)/);
    expect(await suite.directory.clientsNamed(name)).toEqual([]);
  });
});

describe('a logo preset on Pocket-ID 2.18', () => {
  testServerOnly('the preset\'s images are found by reference, downloaded and uploaded; a missing dark variant fails by name', async () => {
    const light = svg(`jellyfin-${run}`);
    const darkVariant = svg(`jellyfin-light-${run}`);
    imageHost.serve('/icons/svg/jellyfin.svg', 'image/svg+xml', light);
    imageHost.serve('/icons/svg/jellyfin-light.svg', 'image/svg+xml', darkVariant);
    imageHost.serve('/icons/svg/plex.svg', 'image/svg+xml', svg(`plex-${run}`));
    const server = await startPocketIdTestServer({
      version: '2.18.0', apiToken: suite.target.apiToken, rateLimit: false, iconLibraryUrl: `${imageHost.url}/icons`,
    });
    try {
      const presetProps = { ...properties({ Name: `logo-preset-${run}`, IsPublic: 'true' }), BaseUrl: server.baseUrl };
      const step = await suite.cfn.create('Preset', { ...presetProps, Logo: { Preset: 'jellyfin' }, DarkLogo: { Preset: 'jellyfin' } });
      await expectSucceeded(step);
      const clientId = step.response.PhysicalResourceId;
      expect((await logoOf(server.baseUrl, clientId, true))?.equals(light)).toBe(true);
      expect((await logoOf(server.baseUrl, clientId, false))?.equals(darkVariant)).toBe(true);

      const noDark = await suite.cfn.create('PresetNoDark', { ...presetProps, Name: `logo-plex-${run}`, Logo: { Preset: 'plex' }, DarkLogo: { Preset: 'plex' } });
      expectFailed(noDark, /darkLogo: the logo preset 'plex' has no variant for dark backgrounds/);
      expect(server.clients().filter((client) => client.name === `logo-plex-${run}`)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
