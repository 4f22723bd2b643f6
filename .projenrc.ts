import { awscdk, javascript } from 'projen';

const HANDLER_ENTRY = 'lambda/index.ts';
const HANDLER_OUT = 'assets/handler/index.js';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-pocket-id',
  description: 'AWS CDK constructs that manage Pocket-ID OIDC clients, users and groups, with client secrets in AWS Secrets Manager',
  author: 'cdk-pocket-id contributors',
  authorAddress: 'maintainers@cdk-pocket-id.dev',
  repositoryUrl: 'https://github.com/cdk-pocket-id/cdk-pocket-id.git',
  keywords: ['awscdk', 'aws-cdk', 'cdk', 'pocket-id', 'oidc', 'openid-connect', 'identity', 'custom-resource'],
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~5.9.0',

  // cdk-nag 3 needs aws-cdk-lib >= 2.257 (core Validations API), so that is the floor users get.
  cdkVersion: '2.257.0',
  constructsVersion: '10.5.1',

  // The public constructs live in lib/ and compile in place, as aws-cdk-lib's do.
  srcdir: 'lib',
  libdir: 'lib',
  testdir: 'test',

  // Handler-only packages: bundled into the Lambda asset by esbuild, never part of the jsii API.
  devDeps: [
    '@aws-sdk/client-secrets-manager@^3',
    // The one credential source the handler's bundle keeps (see lambda/shims/credential-provider-node.ts).
    '@aws-sdk/credential-provider-env@^3',
    'node-fetch@^2',
    '@types/node-fetch@^2',
    'esbuild@^0.25',
    'aws-sdk-client-mock@^4',
    'cdk-nag@^3.0.2',
    // The sample CloudFormation template is YAML, as template authors write it (test/support/template-deployment.ts).
    'js-yaml@^4',
    '@types/js-yaml@^4',
    'aws-cdk-lib@2.257.0',
    'constructs@10.5.1',
    '@types/aws-lambda@^8',
    // jsii-pacmak writes the installed version of this aws-cdk-lib dependency into the Go module's go.mod.
    // Pinned to the floor aws-cdk-lib 2.257.0 asks for (and aws-cdk-go v2.257.0 requires): the Go module
    // proxy serves awscdkcloudassemblyschema/v53 at v53.25.0, not at the newer versions npm would pick.
    '@aws-cdk/cloud-assembly-schema@53.25.0',
    // The Node.js the handler runs on in Lambda (nodejs24.x), from the npm registry: the tests run the
    // bundle on it, and projen, jsii and jest run on it too (npx puts node_modules/.bin first on PATH).
    'node@^24',
    // The CDK CLI, for the commands in the examples' headers (npx cdk synth ...).
    'aws-cdk@^2',
  ],

  jestOptions: {
    // Snapshots are never rewritten silently by the build; CI fails on a changed tracked file.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // lib/ compiles in place: prefer the .ts sources over whatever .js the last build left.
      moduleFileExtensions: ['ts', 'js', 'json', 'node'],
      testPathIgnorePatterns: ['/node_modules/', '/test/languages/'],
      maxWorkers: 2,
      testTimeout: 120_000,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  },
  tsconfigDev: {
    // Relative to test/, where projen writes the dev tsconfig of a jsii project.
    include: ['../lambda/**/*.ts', '../examples/**/*.ts', '../scripts/**/*.ts'],
    compilerOptions: {},
  },
  eslintOptions: {
    dirs: ['lib', 'lambda'],
    devdirs: ['test', 'examples', 'scripts'],
  },

  publishToPypi: {
    distName: 'cdk-pocket-id',
    module: 'cdk_pocket_id',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdkpocketid',
    mavenGroupId: 'io.github.cdk-pocket-id',
    mavenArtifactId: 'cdk-pocket-id',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-pocket-id/cdk-pocket-id-go',
    packageName: 'cdkpocketid',
  },

  // Releases: projen's workflows version the package from Conventional Commits (commit-and-tag-version),
  // write the changelog and publish to npm, PyPI, Maven Central and the Go module repository. This
  // project holds none of the credentials they need; README, "Releasing", names each one.
  github: true,
  githubOptions: { mergify: false },
  release: true,
  releaseToNpm: true,
  // The release build runs the whole test suite, which needs moto's server in .venv (scripts/install.sh).
  workflowBootstrapSteps: [{ name: 'moto for the tests', run: 'python3 -m venv .venv && .venv/bin/pip install "moto[server]==5.2.5"' }],
  sampleCode: false,
  docgen: true,
});

// lib/ holds sources and compiled output side by side: track the .ts, ignore what tsc/jsii emit.
project.gitignore.removePatterns('/lib');
project.gitignore.exclude('/lib/**/*.js', '/lib/**/*.d.ts', '/assets/', '/test/languages/**/target/', '/.venv/', '/test-reports/', 'cdk.out/');
project.npmignore?.removePatterns('/lib/');
project.npmignore?.exclude('/lambda/', '/examples/', '/scripts/', '/.ci/', '/lib/**/*.ts', '/.venv*/', 'cdk.out/', '/coverage/');
project.npmignore?.include('/lib/**/*.js', '/lib/**/*.d.ts', '/assets/');

// Handler packages are devDependencies on purpose: esbuild bundles them into the asset.
project.eslint?.allowDevDeps('lambda/**');

// Lint lambda/, examples/ and scripts/ with the dev tsconfig, which includes them (the project service
// would look only at the nearest tsconfig.json, jsii's, which covers lib/ alone).
const eslintrc = project.tryFindObjectFile('.eslintrc.json');
eslintrc?.addDeletionOverride('parserOptions.projectService');
eslintrc?.addOverride('parserOptions.project', ['./tsconfig.json', './test/tsconfig.json', './projenrc/tsconfig.json']);

// The handler is bundled before jsii compiles, so the asset exists for tests and for packaging.
project.preCompileTask.exec('rm -rf assets/handler');
project.preCompileTask.exec([
  'esbuild', HANDLER_ENTRY,
  '--bundle', '--platform=node', '--target=node24', '--format=cjs', '--minify',
  '--legal-comments=none', `--outfile=${HANDLER_OUT}`,
  // The AWS SDK is bundled, pinned to the version the tests ran. Its ES module build lets esbuild drop
  // what the Secrets Manager client never calls: the asset loads in half the time the runtime's own SDK
  // copy takes (see docs/benchmarks.md).
  '--main-fields=module,main',
  '--alias:whatwg-url=./lambda/shims/whatwg-url.ts',
  '--alias:@aws-sdk/credential-provider-node=./lambda/shims/credential-provider-node.ts',
].join(' '));

// scripts/main.sh is the main job; it runs the summary with ts-node directly, without projen's task lines.
project.addTask('main', {
  description: 'Synthesize the example app offline and print the Pocket-ID entities it would create or change',
  exec: 'bash scripts/main.sh',
});

project.addTask('acceptance-matrix', {
  description: 'Run the acceptance suites against the test server playing each Pocket-ID release but the newest (jest covers that one)',
  exec: 'bash scripts/acceptance-matrix.sh',
});

project.addTask('reliability-report', {
  description: 'Write docs/reliability.md from the figures the reliability suites left in test-reports/reliability/ (run the suites first)',
  exec: 'ts-node --transpile-only --prefer-ts-exts --project test/tsconfig.json scripts/reliability-report.ts',
});

project.addTask('contract-reference', {
  description: 'Write docs/cloudformation-reference.md and docs/schemas/ from lib/contract.ts (test/docs/contract-reference.test.ts checks they are current)',
  exec: 'ts-node --transpile-only --prefer-ts-exts --project test/tsconfig.json scripts/contract-reference.ts',
});

// The provider template for plain CloudFormation, with its Lambda assets zipped beside it, in every
// release's dist/ (scripts/provider-template.ts).
const providerTemplate = project.addTask('provider-template', {
  description: 'Write dist/cloudformation/: the PocketIdProviderStack template for plain CloudFormation, its Lambda assets as zips beside it',
  exec: 'ts-node --transpile-only --prefer-ts-exts --project test/tsconfig.json scripts/provider-template.ts',
});
project.packageTask.spawn(providerTemplate);

project.addTask('bench', {
  description: 'Measure handler cold start, calls per operation, synth at scale and deploy throughput; writes docs/benchmarks.md and docs/benchmarks.svg',
  exec: 'ts-node --transpile-only --prefer-ts-exts --project test/tsconfig.json scripts/bench/index.ts',
});

project.synth();
