/**
 * Programs the server starts outside any sandbox — bubblewrap itself, the `notify` program, stdio MCP
 * servers — are looked up in PATH, and a PATH often holds a directory a sandboxed command can write:
 * started through `npx` or an npm script, the server's PATH begins with the project's
 * `node_modules/.bin`, inside the workspace. A `bwrap` or `node` the model plants there would run as
 * the user, unsandboxed. So for these programs a PATH entry counts only when it is absolute and lies
 * outside every place a sandbox of this process may write: `/tmp`, `$TMPDIR`, the server's working
 * directory (the default workspace), the live conversations' workspaces and every writable root a
 * sandbox was given — except `/`, the home and its ancestors. The same filtered PATH is what those programs get, so
 * their own lookups (`#!/usr/bin/env node`) cannot land there either.
 *
 * A workspace a conversation of an earlier process used, and never this one, is not known here: a
 * program planted there is avoided only once it is the cwd, a live workspace or a root again.
 */
import { homedir, tmpdir } from "node:os"
import { delimiter, isAbsolute, resolve } from "node:path"
import { liveWorkspaces } from "./LiveWorkspaces.js"
import { isDirectory, resolveExecutable } from "./PathLookup.js"
import { isTooBroadRoot } from "./WorkspaceRoots.js"
import { isInsideOrEqual, realPathOrResolved } from "../../files/RealPaths.js"

/** Every writable root a sandbox of this process was given (real paths). */
const granted = new Set<string>()

/** Remembers the writable roots of a sandbox about to start. */
export const recordSandboxWritable = (roots: ReadonlyArray<string>): void => {
  for (const root of roots) granted.add(root)
}

/** The server's environment as far as the lookup cares. */
export interface ProgramEnv {
  readonly PATH?: string | undefined
  readonly TMPDIR?: string | undefined
  readonly HOME?: string | undefined
}

/**
 * The places a sandbox of this process may write, now (real paths): whatever lies there may have been
 * made by a command of any conversation (see also `RootIdentities`).
 */
export const sandboxWritable = (env: ProgramEnv): Array<string> => {
  const temp = ["/tmp", tmpdir(), ...(env.TMPDIR === undefined || env.TMPDIR === "" ? [] : [env.TMPDIR])]
  // `/`, home or above: a cwd or workspace like that is refused, and a user who lists one in
  // `writable_roots` has chosen to let commands write everywhere.
  const home = env.HOME ?? homedir()
  return [...temp.map(realPathOrResolved), realPathOrResolved(process.cwd()), ...liveWorkspaces(), ...granted]
    .filter((place) => !isTooBroadRoot(place, home))
}

/** The entries of `env.PATH` the server may run programs from (see the module comment). */
const trustedEntries = (env: ProgramEnv): Array<string> => {
  const writable = sandboxWritable(env)
  return (env.PATH ?? "").split(delimiter).filter((entry) =>
    entry !== "" && isAbsolute(entry) &&
    !writable.some((root) => isInsideOrEqual(root, isDirectory(entry) ? realPathOrResolved(entry) : resolve(entry)))
  )
}

/** `env.PATH` without the entries a sandboxed command could write: the PATH for a program the server starts. */
export const serverProgramPath = (env: ProgramEnv): string => trustedEntries(env).join(delimiter)

/**
 * Where the server may run `program` from: a name with a `/` is the user's path as given (from `cwd`);
 * a bare name is looked up in the trusted PATH entries only. When there is none, `missing` says why,
 * naming the copy a sandboxed command could have planted if that is the only one.
 */
export const resolveServerProgram = (
  program: string,
  env: ProgramEnv,
  cwd = "/"
): { readonly path: string } | { readonly missing: string; readonly planted?: string } => {
  if (program.includes("/")) {
    const path = resolveExecutable(program, undefined, cwd)
    return path === undefined ? { missing: `${resolve(cwd, program)} does not exist or is not executable` } : { path }
  }
  const path = resolveExecutable(program, serverProgramPath(env), "/")
  if (path !== undefined) return { path }
  const planted = resolveExecutable(program, env.PATH, "/")
  return planted === undefined
    ? { missing: `\`${program}\` was not found on PATH` }
    : { missing: `\`${program}\` was found only at ${planted}, where sandboxed commands can write, so it is not run`, planted }
}
