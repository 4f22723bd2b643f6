import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ClientLogo, OidcClient } from '../../lib';
import { stackWithPocketId } from './support/fixture';
import { imageDimensions } from '../../lib/private/images';
import { scanSynthesizedTemplates } from '../support/template-exposure';

scanSynthesizedTemplates();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'client-logo-'));

/** A file of `data` in the test's directory. */
function file(name: string, data: Buffer | string): string {
  const filePath = path.join(dir, name);
  fs.writeFileSync(filePath, data);
  return filePath;
}

/** The header of a PNG of the given size (what the pixel check reads); the rest need not be valid. */
function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'latin1');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return header;
}

function client(logo?: ClientLogo, darkLogo?: ClientLogo) {
  const { stack, pocketId } = stackWithPocketId();
  new OidcClient(stack, 'App', { pocketId, name: 'app', isPublic: true, logo, darkLogo });
  return { stack, template: () => Template.fromStack(stack) };
}

describe('ClientLogo', () => {
  test('a file becomes an asset: bucket, key, hash and name in the properties, and s3:GetObject on that one object', () => {
    const logoPath = file('logo.png', pngHeader(64, 64));
    const template = client(ClientLogo.fromFile(logoPath)).template();
    template.hasResourceProperties('Custom::PocketIdOidcClient', {
      Logo: { Bucket: Match.anyValue(), Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.png$'), Hash: Match.stringLikeRegexp('^[0-9a-f]{64}$'), FileName: 'logo.png' },
      DarkLogo: Match.absent(),
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: any) => JSON.stringify(statement.Action).includes('s3:'));
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('s3:GetObject');
    const resource = JSON.stringify(statements[0].Resource);
    expect(resource).toMatch(/:s3:::/);
    expect(resource).toMatch(/\/[0-9a-f]{64}\.png"/);
    expect(resource).not.toContain('*');
  });

  test('a new file has a new hash (CloudFormation sends an Update)', () => {
    const hashOf = (data: Buffer) => {
      const filePath = file(`logo-${data.length}.png`, data);
      return client(ClientLogo.fromFile(filePath)).template().findResources('Custom::PocketIdOidcClient');
    };
    const first = JSON.stringify(Object.values(hashOf(pngHeader(10, 10)))[0]);
    const second = JSON.stringify(Object.values(hashOf(Buffer.concat([pngHeader(10, 10), Buffer.from('x')])))[0]);
    expect(JSON.parse(first).Properties.Logo.Hash).not.toBe(JSON.parse(second).Properties.Logo.Hash);
  });

  test('a URL and a preset go into the properties as they are, with no asset and no S3 access', () => {
    const template = client(ClientLogo.fromUrl('https://cdn.example.com/app.svg'), ClientLogo.fromPreset('jellyfin')).template();
    template.hasResourceProperties('Custom::PocketIdOidcClient', { Logo: { Url: 'https://cdn.example.com/app.svg' }, DarkLogo: { Preset: 'jellyfin' } });
    expect(JSON.stringify(template.toJSON())).not.toContain('s3:GetObject');
  });

  test.each([
    ['an extension Pocket-ID does not type', () => ClientLogo.fromFile(file('logo.bmp', 'BM')), /logo: '.*logo\.bmp' must end in one of \.avif, \.gif, .*415 unsupported_file_type/],
    ['a file over 2 MiB less 1 KiB', () => ClientLogo.fromFile(file('huge.png', Buffer.alloc(2 * 1024 * 1024 - 1023))), /logo: 'huge\.png' has 2096129 bytes; .* at most 2096128 .*413 file_too_large/],
    ['more than 16 million pixels', () => ClientLogo.fromFile(file('wide.png', pngHeader(5000, 4000))), /logo: 'wide\.png' is 5000×4000 pixels \(20000000\); Pocket-ID 2\.15 and newer refuse/],
    ['a file that does not exist', () => ClientLogo.fromFile(path.join(dir, 'missing.png')), /logo: cannot read the image file '.*missing\.png' \(ENOENT\)/],
    ['a URL that is not http(s)', () => ClientLogo.fromUrl('ftp://example.com/a.png'), /logo: 'ftp:\/\/example\.com\/a\.png' must be an http or https URL with a host/],
    ['a preset reference Pocket-ID would refuse', () => ClientLogo.fromPreset('Jelly Fin'), /logo: 'Jelly Fin' is not a logo preset reference/],
  ])('%s fails at synth, naming the field and the rule', (_what, logo, message) => {
    expect(() => client(logo())).toThrow(message);
  });

  test('the dark logo is checked as darkLogo; an object that is no ClientLogo is refused', () => {
    expect(() => client(undefined, ClientLogo.fromFile(file('dark.tiff', 'II*')))).toThrow(/darkLogo: '.*dark\.tiff' must end in one of/);
    expect(() => client({ url: 'https://example.com/a.png' } as unknown as ClientLogo)).toThrow(/logo must be a ClientLogo \(ClientLogo\.fromFile, fromUrl or fromPreset\)/);
  });

  test('16 million pixels exactly pass; the size is read from PNG, JPEG, GIF and WebP headers', () => {
    expect(() => client(ClientLogo.fromFile(file('max.png', pngHeader(4000, 4000))))).not.toThrow();
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x02, 0x03, 0x04]);
    expect(imageDimensions(jpeg)).toEqual({ width: 0x0304, height: 0x0102 });
    const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([0x10, 0x00, 0x20, 0x00])]);
    expect(imageDimensions(gif)).toEqual({ width: 16, height: 32 });
    const webp = Buffer.alloc(30);
    webp.write('RIFF', 0, 'latin1');
    webp.write('WEBPVP8X', 8, 'latin1');
    webp.writeUIntLE(4999, 24, 3);
    webp.writeUIntLE(3999, 27, 3);
    expect(imageDimensions(webp)).toEqual({ width: 5000, height: 4000 });
    expect(imageDimensions(Buffer.from('<svg/>'))).toBeUndefined();
  });
});
