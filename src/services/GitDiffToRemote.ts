/**
 * `gitDiffToRemote`: the diff between the work tree and the closest remote-tracking commit
 * (of the current branch, the default branch, or any remote branch containing HEAD), with untracked
 * files appended as additions. The workspace is the model's to write, so git runs the way
 * `WorkspaceGit` runs it: sandboxed, its program-running config switched off, time- and size-limited.
 */
import { statSync } from "node:fs"
import { Effect } from "effect"
import { workspaceGit as git, WorkspaceGitFailed, type WorkspaceGitOptions } from "../agent/exec/WorkspaceGit.js"

/** The whole answer stays within what one git command may print. */
const MAX_DIFF_CHARS = 32 * 1024 * 1024

const GitFailed = (args: ReadonlyArray<string>, reason: string) => new WorkspaceGitFailed({ args, reason, internal: false })

const isDirectory = (path: string) => statSync(path, { throwIfNoEntry: false })?.isDirectory() === true

const lines = (text: string) => text.split("\n").map((line) => line.trim()).filter((line) => line.length > 0)

const optional = <R>(effect: Effect.Effect<string, WorkspaceGitFailed, R>) =>
  effect.pipe(Effect.map((out) => out.trim()), Effect.orElseSucceed(() => ""))

export const gitDiffToRemote = Effect.fnUntraced(function*(repo: WorkspaceGitOptions) {
  // A directory that is not there is the request's mistake, not git failing to run.
  if (!isDirectory(repo.cwd)) return yield* GitFailed([], "no such directory")
  const inside = yield* git(repo, ["rev-parse", "--is-inside-work-tree"])
  if (inside.trim() !== "true") return yield* GitFailed(["rev-parse"], "not a work tree")
  const remotes = lines(yield* git(repo, ["remote"])).sort((a, b) => (a === "origin" ? -1 : b === "origin" ? 1 : 0))
  if (remotes.length === 0) return yield* GitFailed(["remote"], "no remotes")

  const current = yield* optional(git(repo, ["rev-parse", "--abbrev-ref", "HEAD"]))
  const candidates: Array<string> = current !== "" && current !== "HEAD" ? [current] : []
  for (const remote of remotes) {
    const head = yield* optional(git(repo, ["symbolic-ref", "--short", `refs/remotes/${remote}/HEAD`]))
    if (head.startsWith(`${remote}/`)) candidates.push(head.slice(remote.length + 1))
  }
  candidates.push("main", "master")
  for (const ref of lines(yield* optional(git(repo, ["branch", "-r", "--contains", "HEAD", "--format=%(refname:short)"])))) {
    const remote = remotes.find((name) => ref.startsWith(`${name}/`))
    if (remote !== undefined && !ref.endsWith("/HEAD")) candidates.push(ref.slice(remote.length + 1))
  }

  let best: { readonly sha: string; readonly distance: number } | undefined
  for (const branch of new Set(candidates)) {
    for (const remote of remotes) {
      const sha = yield* optional(git(repo, ["rev-parse", "--verify", "--quiet", `refs/remotes/${remote}/${branch}^{commit}`]))
      if (sha === "") continue
      const distance = Number(yield* optional(git(repo, ["rev-list", "--count", `${sha}..HEAD`])))
      if (Number.isFinite(distance) && (best === undefined || distance < best.distance)) best = { sha, distance }
    }
  }
  if (best === undefined) return yield* GitFailed(["rev-parse"], "no remote-tracking commit")

  let diff = yield* git(repo, ["diff", best.sha], [0, 1])
  for (const file of lines(yield* git(repo, ["ls-files", "--others", "--exclude-standard"]))) {
    diff += yield* git(repo, ["diff", "--binary", "--no-index", "/dev/null", file], [0, 1])
    if (diff.length > MAX_DIFF_CHARS) {
      return yield* new WorkspaceGitFailed({ args: ["diff"], reason: `the diff is longer than ${MAX_DIFF_CHARS} characters`, internal: true })
    }
  }
  return { sha: best.sha, diff }
})
