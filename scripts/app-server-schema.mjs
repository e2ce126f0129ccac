// Generates the reference's app-server JSON Schema for the app-server e2e tests, into .test-peers/ (gitignored):
// the pinned @openai/codex is installed there, once, never as a dependency of the package (users' `npm install`
// must not fetch a 100 MB binary). `CODEX_PEER_BIN` names an already installed reference instead. Idempotent:
// a second run with the schema in place does nothing.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"

export const CODEX_VERSION = "0.153.4"
const root = resolve(import.meta.dirname, "..")
const peers = join(root, ".test-peers")
export const SCHEMA_DIR = join(peers, `app-server-schema-${CODEX_VERSION}`)
const stamp = join(SCHEMA_DIR, ".complete")

/** The reference binary: `CODEX_PEER_BIN`, else the pinned package installed under .test-peers/codex. */
const codexBin = () => {
  if (process.env.CODEX_PEER_BIN) return process.env.CODEX_PEER_BIN
  const prefix = join(peers, "codex")
  const bin = join(prefix, "node_modules", ".bin", "codex")
  const installed = join(prefix, "node_modules", "@openai", "codex", "package.json")
  if (!existsSync(installed) || JSON.parse(readFileSync(installed, "utf8")).version !== CODEX_VERSION) {
    mkdirSync(prefix, { recursive: true })
    process.stderr.write(`installing @openai/codex@${CODEX_VERSION} into ${prefix} (test only)\n`)
    execFileSync("npm", ["install", "--prefix", prefix, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", `@openai/codex@${CODEX_VERSION}`], {
      // npm's output to stderr: stdout carries only the schema directory, which the tests read.
      stdio: ["ignore", 2, 2]
    })
  }
  return bin
}

export const ensureAppServerSchema = () => {
  if (existsSync(stamp)) return SCHEMA_DIR
  rmSync(SCHEMA_DIR, { recursive: true, force: true })
  execFileSync(codexBin(), ["app-server", "generate-json-schema", "--out", SCHEMA_DIR], { stdio: ["ignore", "ignore", "inherit"] })
  writeFileSync(stamp, `${CODEX_VERSION}\n`)
  return SCHEMA_DIR
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${ensureAppServerSchema()}\n`)
}
