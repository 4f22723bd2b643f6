import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ApplicationImage, ApplicationImages } from '../../lib';
import { stackWithPocketId } from './support/fixture';
import { scanSynthesizedTemplates } from '../support/template-exposure';

scanSynthesizedTemplates();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'application-images-'));

function file(name: string, data: Buffer | string = 'image'): string {
  const filePath = path.join(dir, name);
  fs.writeFileSync(filePath, data);
  return filePath;
}

describe('ApplicationImages', () => {
  test('files become assets the handler may read one by one; a URL goes in as it is; unset images are absent', () => {
    const { stack, pocketId } = stackWithPocketId();
    new ApplicationImages(stack, 'Images', {
      pocketId,
      logo: ApplicationImage.fromFile(file('logo.svg', '<svg/>')),
      favicon: ApplicationImage.fromFile(file('favicon.ico', 'ico')),
      background: ApplicationImage.fromUrl('https://cdn.example.com/bg.webp'),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::PocketIdApplicationImages', {
      ContractVersion: '1',
      Logo: { Bucket: Match.anyValue(), Key: Match.stringLikeRegexp('\\.svg$'), Hash: Match.anyValue(), FileName: 'logo.svg' },
      Favicon: { FileName: 'favicon.ico', Key: Match.stringLikeRegexp('\\.ico$') },
      Background: { Url: 'https://cdn.example.com/bg.webp' },
      DarkLogo: Match.absent(),
      EmailLogo: Match.absent(),
      DefaultProfilePicture: Match.absent(),
    });
    const s3 = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement)
      .filter((statement: any) => JSON.stringify(statement.Action).includes('s3:'));
    expect(s3.map((statement: any) => statement.Action)).toEqual(['s3:GetObject', 's3:GetObject']);
    for (const statement of s3) expect(JSON.stringify(statement.Resource)).not.toContain('*');
  });

  test('a second ApplicationImages for the same instance fails at synth; another instance is fine', () => {
    const { stack, pocketId } = stackWithPocketId();
    new ApplicationImages(stack, 'Images', { pocketId });
    expect(() => new ApplicationImages(stack, 'More', { pocketId })).toThrow(/has ApplicationImages already \('.*Images'\): one per instance/);
    const other = stackWithPocketId();
    expect(() => new ApplicationImages(other.stack, 'Images', { pocketId: other.pocketId })).not.toThrow();
  });

  test.each([
    ['emailLogo', 'email.PNG', /emailLogo: 'email\.PNG' must end in \.png, \.jpg or \.jpeg, in lower case: .*415 "File must be of type PNG or JPEG"/],
    ['emailLogo', 'email.svg', /emailLogo: 'email\.svg' must end in \.png, \.jpg or \.jpeg/],
    ['favicon', 'favicon.webp', /favicon: 'favicon\.webp' must end in \.svg, \.png or \.ico: .*"File must be of type SVG, PNG, or ICO"/],
    ['background', 'background.tiff', /background: 'background\.tiff' must end in one of \.avif, .*415 file_type_not_supported/],
    ['defaultProfilePicture', 'picture', /defaultProfilePicture: 'picture' must end in one of/],
  ])('%s from %s fails at synth, naming the field and the rule', (prop, fileName, message) => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new ApplicationImages(stack, 'Images', { pocketId, [prop]: ApplicationImage.fromFile(file(fileName)) })).toThrow(message);
  });

  test('favicon.PNG passes (Pocket-ID lower-cases it); images over 16 million pixels fail', () => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new ApplicationImages(stack, 'Images', { pocketId, favicon: ApplicationImage.fromFile(file('favicon.PNG')) })).not.toThrow();
    const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([0xa0, 0x0f, 0xa1, 0x0f])]);
    const other = stackWithPocketId();
    expect(() => new ApplicationImages(other.stack, 'Images', { pocketId: other.pocketId, background: ApplicationImage.fromFile(file('big.gif', gif)) }))
      .toThrow(/background: 'big\.gif' is 4000×4001 pixels/);
  });

  test('a URL that is not http(s), or a value that is no ApplicationImage, is refused', () => {
    const { stack, pocketId } = stackWithPocketId();
    expect(() => new ApplicationImages(stack, 'A', { pocketId, logo: ApplicationImage.fromUrl('file:///etc/logo.svg') }))
      .toThrow(/logo: 'file:\/\/\/etc\/logo\.svg' must be an http or https URL with a host/);
    expect(() => new ApplicationImages(new Stack(), 'B', { pocketId, logo: 'logo.svg' as unknown as ApplicationImage }))
      .toThrow(/logo must be an ApplicationImage \(ApplicationImage\.fromFile or fromUrl\)/);
  });
});
