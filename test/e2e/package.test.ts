/**
 * The library face from the outside: the examples run against the built package, and the packed
 * tarball, installed into a fresh project, serves `import { ConversationManager } from "codex-effect"`.
 * The install prefers the npm cache (filled by the project's own install) and otherwise uses the npm
 * registry, the one network this test may touch.
 */
import { execFileSync, spawnSync } from "node:child_process"
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "../..")

const runExample = (file: string, cwd = root, env: NodeJS.ProcessEnv = process.env) => {
  const result = spawnSync(process.execPath, [file], { cwd, env, encoding: "utf8", timeout: 60_000 })
  if (result.status !== 0) throw new Error(`${file} exited ${result.status}\n${result.stderr}`)
  return result.stdout
}

describe("examples", () => {
  it("scripted-conversation prints the final answer and leaves no CODEX_HOME behind", () => {
    // Its own TMPDIR, so the check sees only what the example created.
    const tmp = mkdtempSync(join(tmpdir(), "codex-example-tmp-"))
    try {
      expect(runExample("examples/scripted-conversation.ts", root, { ...process.env, TMPDIR: tmp })).toBe("Hello from the scripted model!\n")
      expect(readdirSync(tmp)).toEqual([])
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })

  it("auto-approve approves allowed programs and denies the rest", () => {
    expect(runExample("examples/auto-approve.ts").trim().split("\n")).toEqual([
      "approved: touch notes.txt",
      "denied: rm keep.txt",
      "answer: Created notes.txt; I was not allowed to delete keep.txt.",
      "notes.txt created: true",
      "keep.txt kept: true"
    ])
  })

  it("the README's embedding example is scripted-conversation.ts", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8")
    const example = readFileSync(join(root, "examples/scripted-conversation.ts"), "utf8")
    const body = example.slice(example.indexOf("import { mkdtempSync"))
    expect(readme).toContain("```ts\n" + body + "```")
  })
})

describe("npm package", () => {
  it("installs from its tarball into another project, with one copy of effect, and runs an example", () => {
    const packDir = mkdtempSync(join(tmpdir(), "codex-pack-"))
    const project = mkdtempSync(join(tmpdir(), "codex-consumer-"))
    try {
      installAndRun(packDir, project)
    } finally {
      rmSync(packDir, { recursive: true, force: true })
      rmSync(project, { recursive: true, force: true })
    }
  }, 180_000)
})

/** Packs this package, installs the tarball into `project`, and runs an example and the CLI from there. */
const installAndRun = (packDir: string, project: string) => {
  execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", packDir], { cwd: root, stdio: "pipe" })
  const tarball = join(packDir, readdirSync(packDir).find((name) => name.endsWith(".tgz"))!)
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], { cwd: project, stdio: "pipe" })
  copyFileSync(join(root, "examples/auto-approve.ts"), join(project, "auto-approve.ts"))
  expect(runExample("auto-approve.ts", project)).toContain("denied: rm keep.txt")
  const version = spawnSync(process.execPath, [join(project, "node_modules/codex-effect/dist/codex-effect.mjs"), "--version"], { encoding: "utf8" })
  expect(version.stdout).toMatch(/^codex-effect v/)
  // effect is a peer dependency: the whole tree shares the consumer's one copy.
  const copies = execFileSync("npm", ["ls", "effect", "--all", "--parseable"], { cwd: project, encoding: "utf8" })
  expect(new Set(copies.trim().split("\n"))).toEqual(new Set([join(project, "node_modules/effect")]))
}
