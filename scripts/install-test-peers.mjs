#!/usr/bin/env node
/**
 * Installs the packages the tests drive but the package must never depend on, into `.test-peers/`
 * (gitignored): the official Codex SDK, pinned, with `--omit=optional` so its optional ~400 MB Codex
 * binary is not downloaded (the tests point the SDK at codex-effect with `codexPathOverride`), and the
 * MCP Inspector, whose CLI is one of the MCP clients the tests drive. `npm test` runs this first; when
 * the pinned versions are already there it returns at once.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const TEST_PEERS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../.test-peers")
const TEST_PEERS = { "@openai/codex-sdk": "0.163.0", "@modelcontextprotocol/inspector": "2.12.0" }

const installedVersion = (name) => {
  try {
    return JSON.parse(readFileSync(join(TEST_PEERS_DIR, "node_modules", name, "package.json"), "utf8")).version
  } catch {
    return undefined
  }
}

const missing = Object.entries(TEST_PEERS).filter(([name, version]) => installedVersion(name) !== version)
if (missing.length > 0) {
  mkdirSync(TEST_PEERS_DIR, { recursive: true })
  if (!existsSync(join(TEST_PEERS_DIR, "package.json"))) {
    writeFileSync(join(TEST_PEERS_DIR, "package.json"), JSON.stringify({ name: "codex-effect-test-peers", private: true }) + "\n")
  }
  process.stderr.write(`installing ${missing.map(([name, version]) => `${name}@${version}`).join(", ")} into ${TEST_PEERS_DIR}\n`)
  execFileSync(
    "npm",
    ["install", "--omit=optional", "--save-exact", "--no-audit", "--no-fund", ...missing.map(([name, version]) => `${name}@${version}`)],
    { cwd: TEST_PEERS_DIR, stdio: ["ignore", "inherit", "inherit"] }
  )
}
