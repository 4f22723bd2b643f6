/**
 * The provider template for plain CloudFormation users, shipped with each release: PocketIdProviderStack
 * synthesized into dist/cloudformation/ as `pocket-id-provider.template.json`, each Lambda asset zipped
 * beside it as `<hash>.zip`. CDK's bootstrap bucket is not theirs to use: the template takes the bucket
 * (and a key prefix) they upload the zips to as Parameters. Run by the `package` task.
 */
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, LegacyStackSynthesizer } from 'aws-cdk-lib';
import { PocketIdProviderStack } from '../lib';

export const TEMPLATE_FILE = 'pocket-id-provider.template.json';
const STACK_NAME = 'PocketIdProvider';

type Template = { Parameters?: Record<string, unknown>; Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

/** Writes the template, its zipped assets and a README into `outDir`; answers the zip file names. */
export function writeProviderTemplate(outDir: string): string[] {
  const assembly = mkdtempSync(join(tmpdir(), 'pocket-id-provider-'));
  try {
    const app = new App({ outdir: assembly });
    new PocketIdProviderStack(app, STACK_NAME, { synthesizer: new LegacyStackSynthesizer() });
    app.synth();
    const template = JSON.parse(readFileSync(join(assembly, `${STACK_NAME}.template.json`), 'utf8')) as Template;
    const hashes = withUploadedCode(template);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, TEMPLATE_FILE), `${JSON.stringify(template, null, 2)}\n`);
    const zips = hashes.map((hash) => zipAsset(join(assembly, `asset.${hash}`), join(outDir, `${hash}.zip`)));
    writeFileSync(join(outDir, 'README.md'), readme(zips));
    return zips;
  } finally {
    rmSync(assembly, { recursive: true, force: true });
  }
}

/**
 * Points each Lambda's code at `${AssetKeyPrefix}<hash>.zip` in the AssetBucket parameter, in place of
 * the legacy synthesizer's three parameters per asset; answers the asset hashes.
 */
function withUploadedCode(template: Template): string[] {
  const hashes: string[] = [];
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const bucketParameter: string = resource.Properties.Code.S3Bucket.Ref;
    const hash = /^AssetParameters([0-9a-f]{64})S3Bucket/.exec(bucketParameter)?.[1];
    if (!hash) throw new Error(`a Lambda function whose code is not an asset: ${JSON.stringify(resource.Properties.Code)}`);
    resource.Properties.Code = { S3Bucket: { Ref: 'AssetBucket' }, S3Key: { 'Fn::Sub': `\${AssetKeyPrefix}${hash}.zip` } };
    hashes.push(hash);
  }
  template.Parameters = {
    AssetBucket: { Type: 'String', Description: 'The S3 bucket (in this region) you uploaded the zip files beside this template to' },
    AssetKeyPrefix: { Type: 'String', Default: '', Description: 'The key prefix of those zip files in AssetBucket, e.g. cdk-pocket-id/1.2.0/' },
  };
  return hashes;
}

function zipAsset(directory: string, zipFile: string): string {
  rmSync(zipFile, { force: true });
  execFileSync('zip', ['-q', '-r', '-X', zipFile, ...readdirSync(directory)], { cwd: directory });
  return zipFile.slice(zipFile.lastIndexOf('/') + 1);
}

function readme(zips: string[]): string {
  return `# The cdk-pocket-id provider, for plain CloudFormation

Deploy once per account and region; it exports \`PocketIdServiceToken\`, which every \`Custom::PocketId*\`
resource of your templates names (\`ServiceToken: !ImportValue PocketIdServiceToken\`). Its handler may
read and write the secrets whose names start with \`pocket-id/\`: name the API key secret and the
secrets your resources write with it. Properties: docs/cloudformation-reference.md in the repository.

\`\`\`sh
aws s3 cp . "s3://$BUCKET/cdk-pocket-id/" --recursive --exclude '*' ${zips.map((zip) => `--include '${zip}'`).join(' ')}
aws cloudformation deploy --stack-name PocketIdProvider --template-file ${TEMPLATE_FILE} --capabilities CAPABILITY_IAM \\
  --parameter-overrides AssetBucket="$BUCKET" AssetKeyPrefix=cdk-pocket-id/
\`\`\`
`;
}

if (require.main === module) writeProviderTemplate(join(__dirname, '..', 'dist', 'cloudformation'));
