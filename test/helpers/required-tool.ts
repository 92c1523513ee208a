// A test that needs an outside tool (the Debian Rust toolchain, the openssl command, Chromium) skips with a
// message where the tool is missing on a developer's machine, but in CI (CI set, as .ci/run does) the
// missing tool is a failure: .ci/system-packages.sh installs everything the suite needs, so a skip there
// would only hide a check that silently stopped running.
import { it } from 'vitest';

/**
 * Returns whether the tool is usable. When it is not: outside CI, warns; in CI, registers a failing test
 * named after the tool, so the run cannot pass without it.
 */
export function requireTool(tool: string, available: boolean, why: string): boolean {
  if (available) return true;
  if (process.env.CI) {
    it(`${tool} is installed (required in CI: ${why})`, () => {
      throw new Error(`${tool} is missing or the wrong version: ${why}. .ci/system-packages.sh installs it.`);
    });
  } else {
    console.warn(`skipping checks that need ${tool}: ${why}`);
  }
  return false;
}
