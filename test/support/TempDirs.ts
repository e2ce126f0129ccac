/**
 * Temporary directories for tests. Every helper that makes one goes through `makeTempDir`, which
 * remembers it; `test/support/setup.ts` removes them all after each test file, so a run leaves
 * `TMPDIR` as it found it.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const created = new Set<string>()

/** A fresh directory `<parent>/<prefix>XXXXXX`, removed when the test file ends. */
export const makeTempDir = (prefix = "codex-effect-test-", parent = tmpdir()): string => {
  const dir = mkdtempSync(join(parent, prefix))
  created.add(dir)
  return dir
}

/** Removes every directory `makeTempDir` made in this test file. */
export const removeTempDirs = (): void => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
  created.clear()
}
