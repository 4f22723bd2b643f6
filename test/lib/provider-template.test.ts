import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { TEMPLATE_FILE, writeProviderTemplate } from '../../scripts/provider-template';

/** The provider template shipped with each release (dist/cloudformation/), as a plain CloudFormation user gets it. */
describe('the provider template file', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'provider-template-'));
  const zips = writeProviderTemplate(outDir);
  const text = readFileSync(join(outDir, TEMPLATE_FILE), 'utf8');
  const template = JSON.parse(text);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  test('exports the ServiceToken of the provider framework', () => {
    expect(template.Outputs.ServiceToken).toEqual({
      Description: expect.any(String),
      Value: { 'Fn::GetAtt': [expect.stringMatching(/^CdkPocketIdProviderframeworkonEvent/), 'Arn'] },
      Export: { Name: 'PocketIdServiceToken' },
    });
  });

  test('needs no CDK bootstrap: its Lambda code comes from the bucket the user names, and every zip it names is beside it', () => {
    expect(text).not.toMatch(/cdk-hnb659fds|BootstrapVersion|AssetParameters|AWS::SSM/);
    expect(Object.keys(template.Parameters)).toEqual(['AssetBucket', 'AssetKeyPrefix']);
    const functions = Object.values(template.Resources).filter((resource: any) => resource.Type === 'AWS::Lambda::Function') as any[];
    expect(functions).toHaveLength(2);
    const keys = functions.map((fn) => {
      expect(fn.Properties.Code.S3Bucket).toEqual({ Ref: 'AssetBucket' });
      return /^\$\{AssetKeyPrefix\}(.+)$/.exec(fn.Properties.Code.S3Key['Fn::Sub'])![1];
    });
    expect(keys.sort()).toEqual([...zips].sort());
    for (const zip of zips) expect(existsSync(join(outDir, zip))).toBe(true);
  });

  test('the handler zip holds the bundled handler at its root, as its Handler names it', () => {
    const handler = (Object.values(template.Resources) as any[]).find((resource) => resource.Type === 'AWS::Lambda::Function' && resource.Properties.Handler === 'index.handler');
    const zip = /\}(.+)$/.exec(handler.Properties.Code.S3Key['Fn::Sub'])![1];
    expect(execFileSync('unzip', ['-Z1', join(outDir, zip)], { encoding: 'utf8' }).trim().split('\n')).toEqual(['index.js']);
    expect(readFileSync(join(outDir, 'README.md'), 'utf8')).toMatch(/aws cloudformation deploy .*--template-file pocket-id-provider\.template\.json/);
  });
});
