/**
 * The file-system questions the exec engine asks before starting anything: is this a directory, and
 * where does a program name resolve. Resolution follows `execvp`: a name with a `/` is a path
 * (relative to the working directory), any other name is looked up in `PATH`, in order.
 */
import { accessSync, constants, statSync } from "node:fs"
import { delimiter, join, resolve } from "node:path"

/** `execvp`'s search path when `PATH` is unset. */
const DEFAULT_PATH = "/bin:/usr/bin"

export const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

const isExecutableFile = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** The absolute path `program` would run from, or undefined when there is no such executable file. */
export const resolveExecutable = (program: string, searchPath: string | undefined, cwd: string): string | undefined => {
  if (program.includes("/")) {
    const path = resolve(cwd, program)
    return isExecutableFile(path) ? path : undefined
  }
  for (const dir of (searchPath ?? DEFAULT_PATH).split(delimiter)) {
    const candidate = join(resolve(cwd, dir === "" ? "." : dir), program)
    if (isExecutableFile(candidate)) return candidate
  }
  return undefined
}
