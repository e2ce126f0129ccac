/**
 * A forged Node compile-cache entry, made as an attacker would: compile other code of the same length
 * under the victim module's name, then put the real source's checksum in the entry's header. Node
 * checks only that checksum and V8 only the source length, so a server whose cache holds the entry
 * runs the forged code instead of its own module. The forged code writes `marker`.
 */
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { execFileSync } from "node:child_process"
import { join, resolve } from "node:path"
import { crc32 } from "node:zlib"
import { makeTempDir } from "../support/TempDirs.js"

const DIST = resolve(import.meta.dirname, "../../dist")

/** A copy of the built server (so its modules can be swapped); returns the copy's directory. */
export const copyOfDist = (): string => {
  const copy = makeTempDir("dist-")
  cpSync(DIST, copy, { recursive: true })
  return copy
}

/** The V8 flags the launcher sets before it enables the cache: they key the cache's directory. */
const launcherFlags = (dist: string) =>
  [...readFileSync(join(dist, "codex-effect.mjs"), "utf8").matchAll(/setFlagsFromString\("([^"]+)"\)/g)].map((m) => m[1]!)

const filesBelow = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesBelow(path) : [path]
  })

/**
 * Writes into `cacheDir` an entry for `dist`'s `cli/main.mjs` (the module the launcher loads first)
 * whose code writes `marker`, compiled with the launcher's flags.
 */
export const forgeCompileCache = (dist: string, cacheDir: string, marker: string): void => {
  const victim = join(dist, "cli", "main.mjs")
  const source = readFileSync(victim)
  const head = `import { writeFileSync } from "node:fs"; writeFileSync(${JSON.stringify(marker)}, "forged code ran");\n`
  const forged = Buffer.from(`${head}/*${" ".repeat(source.length - head.length - 4)}*/`)
  const launcher = join(dist, "forge-launcher.mjs")
  writeFileSync(launcher, [
    `import * as v8 from "node:v8"`,
    `import * as NodeModule from "node:module"`,
    ...launcherFlags(dist).map((flag) => `v8.setFlagsFromString(${JSON.stringify(flag)})`),
    `NodeModule.enableCompileCache(${JSON.stringify(cacheDir)})`,
    `await import("./cli/main.mjs")`,
    `NodeModule.flushCompileCache()`
  ].join("\n"))
  const env = { ...process.env }
  delete env.NODE_COMPILE_CACHE
  writeFileSync(victim, forged)
  try {
    execFileSync(process.execPath, [launcher], { env, stdio: "pipe" })
  } finally {
    writeFileSync(victim, source)
    rmSync(launcher)
    rmSync(marker, { force: true })
  }
  const forgedSum = crc32(forged)
  const entries = filesBelow(cacheDir).filter((file) => {
    const bytes = readFileSync(file)
    for (let offset = 0; offset + 4 <= Math.min(bytes.length, 64); offset += 4) {
      if (bytes.readUInt32LE(offset) === forgedSum) {
        bytes.writeUInt32LE(crc32(source), offset)
        writeFileSync(file, bytes)
        return true
      }
    }
    return false
  })
  if (entries.length !== 1) throw new Error(`expected one forged cache entry in ${cacheDir}, found ${entries.length}`)
}
