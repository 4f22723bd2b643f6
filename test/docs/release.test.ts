/**
 * The release setup README, "Releasing", describes: projen's release workflow with a publishing job
 * for each language, each reading the credentials the README names, and the keyword Construct Hub
 * indexes by.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const workflow = fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const releasing = readme.slice(readme.indexOf('### Releasing'));

/** The secrets one job of the workflow reads. */
function secretsOf(job: string): string[] {
  const start = workflow.indexOf(`\n  ${job}:\n`);
  expect(start).toBeGreaterThan(0);
  const end = workflow.slice(start + 1).search(/\n {2}[a-z_]+:\n/);
  const body = workflow.slice(start, end < 0 ? undefined : start + 1 + end);
  return [...new Set([...body.matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]).filter((name) => name !== 'GITHUB_TOKEN'))].sort();
}

test.each([
  ['release_npm', ['NPM_TOKEN']],
  ['release_pypi', ['TWINE_PASSWORD', 'TWINE_USERNAME']],
  ['release_maven', ['MAVEN_GPG_PRIVATE_KEY', 'MAVEN_GPG_PRIVATE_KEY_PASSPHRASE', 'MAVEN_PASSWORD', 'MAVEN_STAGING_PROFILE_ID', 'MAVEN_USERNAME']],
  ['release_golang', ['GO_GITHUB_TOKEN']],
])('%s publishes with the credentials README, "Releasing", names', (job, secrets) => {
  expect(secretsOf(job)).toEqual(secrets);
  for (const secret of secrets) expect(releasing).toContain(`\`${secret}\``);
});

test('the release build installs moto before the tests run, and the package carries the awscdk keyword', () => {
  expect(workflow).toContain('moto[server]==');
  expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).keywords).toContain('awscdk');
});
