/**
 * The server's own code, kept from commands. The CLI loads parts of itself lazily (the MCP client with
 * the first `mcp_servers` entry, the HTTP server, the cluster) and imports `effect` from `node_modules`
 * at run time; wherever the package is installed — a project's `node_modules`, a checkout the agent
 * works on — a command that could write there would have its code run by the server itself. So the
 * built code (`dist`), every runtime dependency's package directory and the Node binary the server
 * runs on are bound read-only in every
 * sandbox where a writable root holds them, with the directories above them pinned (see
 * `AncestorPins`) so none can be renamed away and rebuilt.
 */
import { existsSync, realpathSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { readUntrustedFileSync, UntrustedFileError } from "../../files/UntrustedFile.js"
import { pinsFor } from "./AncestorPins.js"
import { isInsideOrEqual } from "../../files/RealPaths.js"

interface PackageJson {
  readonly name?: string
  readonly dependencies?: Readonly<Record<string, string>>
  readonly peerDependencies?: Readonly<Record<string, string>>
}

/** The package.json above `dist` may be the project's, which a command can replace by a FIFO: never a blocking read. */
const MAX_PACKAGE_JSON_BYTES = 1024 * 1024

const readPackageJson = (dir: string): PackageJson | undefined => {
  const bytes = readUntrustedFileSync(join(dir, "package.json"), { maxBytes: MAX_PACKAGE_JSON_BYTES })
  if (bytes instanceof UntrustedFileError) return undefined
  try {
    return JSON.parse(bytes.toString("utf8")) as PackageJson
  } catch {
    return undefined
  }
}

/** The nearest directory at or above `from` with a package.json (naming `name`, when given). */
const packageRoot = (from: string, name?: string): string | undefined => {
  for (let dir = from; ; dir = dirname(dir)) {
    const pkg = readPackageJson(dir)
    if (pkg !== undefined && (name === undefined || pkg.name === name)) return dir
    if (dirname(dir) === dir) return undefined
  }
}

/** The package directory `name` resolves to from here, if it does. */
const dependencyRoot = (name: string): string | undefined => {
  try {
    return packageRoot(dirname(fileURLToPath(import.meta.resolve(name))), name)
  } catch {
    return undefined
  }
}

let cached: ReadonlyArray<string> | undefined

/** The real paths of the server's code: its `dist` and its runtime dependencies' directories. */
export const serverCodePaths = (): ReadonlyArray<string> => {
  if (cached !== undefined) return cached
  const root = packageRoot(dirname(fileURLToPath(import.meta.url)))
  const pkg = root === undefined ? undefined : readPackageJson(root)
  const dependencies = Object.keys({ ...pkg?.dependencies, ...pkg?.peerDependencies }).map(dependencyRoot)
  const own = root === undefined ? [] : [join(root, "dist")]
  // The Node binary the server runs on is its code too: a project-local Node (`node_modules/node`) is the model's to replace otherwise.
  const present = [...own, ...dependencies, process.execPath].filter((path): path is string => path !== undefined && existsSync(path))
  cached = [...new Set(present.map((path) => realpathSync(path)))]
  return cached
}

/** The server's code inside these `writable` roots. */
const exposed = (writable: ReadonlyArray<string>) =>
  writable.length === 0 ? [] : serverCodePaths().filter((path) => writable.some((root) => isInsideOrEqual(root, path)))

/** The directories to pin (see `AncestorPins`) so the server's code stays where the server loads it. */
export const serverCodePins = (writable: ReadonlyArray<string>): Array<string> =>
  exposed(writable).flatMap((path) => pinsFor(dirname(path), writable))

/** The bubblewrap options that keep the server's code read-only: after every writable bind and pin. */
export const serverCodeMaskArgs = (writable: ReadonlyArray<string>): Array<string> =>
  exposed(writable).flatMap((path) => ["--ro-bind", path, path])
