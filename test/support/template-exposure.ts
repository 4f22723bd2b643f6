import { randomBytes } from 'crypto';
import { Stage } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { ExposureScan } from './exposure';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Values that must never reach a template, put where a careless construct could pick them up at synth
 * time: the API key in POCKETID_API_TOKEN (the variable the README tells people not to use for
 * templates), and a value shaped like a Pocket-ID client secret (32 alphanumerics) in the variables a
 * Pocket-ID operator has in their shell: Pocket-ID's own STATIC_API_KEY and a client secret.
 */
export function sentinelEnvironment(): Record<string, string> {
  const secretLooking = Array.from(randomBytes(32), (byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
  return {
    POCKETID_API_TOKEN: `sentinel-api-token-${randomBytes(16).toString('hex')}`,
    STATIC_API_KEY: secretLooking,
    POCKETID_CLIENT_SECRET: secretLooking.split('').reverse().join(''),
  };
}

/**
 * Makes every template the calling test file synthesizes part of the secret-exposure scan: sets the
 * sentinel environment for the file (from the call until its last test), and scans each cloud assembly synthesized (every stack's template
 * and the manifest, whose metadata carries the annotations) for the sentinels. Call it at the top of a
 * test file, outside any test. The summary goes to test-reports/reliability/exposure/<suite>.json, and
 * the file fails when a sentinel was found; with `scan` given, its owner writes the summary instead.
 *
 * Tests that set POCKETID_API_TOKEN themselves (and restore it) keep working: the sentinel is simply
 * the value they restore.
 */
export function scanSynthesizedTemplates(options: { scan?: ExposureScan } = {}): ExposureScan {
  const scan = options.scan ?? new ExposureScan();
  const sentinels = sentinelEnvironment();
  const saved: Record<string, string | undefined> = {};
  const originalSynth = Stage.prototype.synth;
  const scanned = new WeakSet<CloudAssembly>();

  // Now, not in beforeAll: test files build some of their apps while jest collects the tests.
  for (const [name, value] of Object.entries(sentinels)) {
    saved[name] = process.env[name];
    process.env[name] = value;
    scan.addSecret(value);
  }
  Stage.prototype.synth = function synthAndScan(this: Stage, ...args: Parameters<Stage['synth']>): CloudAssembly {
    const assembly = originalSynth.apply(this, args);
    if (!scanned.has(assembly)) {
      scanned.add(assembly);
      scanAssembly(scan, assembly);
    }
    return assembly;
  };

  afterAll(() => {
    Stage.prototype.synth = originalSynth;
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (!options.scan) scan.finish();
  });

  return scan;
}

function scanAssembly(scan: ExposureScan, assembly: CloudAssembly): void {
  for (const stack of assembly.stacksRecursively) {
    scan.recordOnce('template', `stack ${stack.hierarchicalId}`, JSON.stringify(stack.template));
  }
  scan.recordOnce('template', 'the cloud assembly manifest', JSON.stringify(assembly.manifest));
}
