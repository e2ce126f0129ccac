/**
 * `gitDiffToRemote`: the diff between the work tree and the closest remote-tracking commit
 * (of the current branch, the default branch, or any remote branch containing HEAD), with untracked
 * files appended as additions. Each git command has a 5 s timeout.
 */
import { execFile } from "node:child_process"
import { Data, Effect } from "effect"

/** `internal`: git could not run (missing, timed out) rather than answering about the directory. */
class GitFailed extends Data.TaggedError("GitFailed")<{
  readonly args: ReadonlyArray<string>
  readonly reason: string
  readonly internal?: boolean
}> {}

const GIT_TIMEOUT_MS = 5_000
const MAX_OUTPUT = 256 * 1024 * 1024

/** Runs git; `okCodes` lists exit codes that still count as success (`git diff --no-index` exits 1 on differences). */
const git = (cwd: string, args: ReadonlyArray<string>, okCodes: ReadonlyArray<number> = [0]) =>
  Effect.callback<string, GitFailed>((resume, signal) => {
    execFile("git", [...args], { cwd, timeout: GIT_TIMEOUT_MS, maxBuffer: MAX_OUTPUT, signal }, (error, stdout) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1
      if (okCodes.includes(code)) resume(Effect.succeed(stdout))
      else {
        const internal = error !== null && (typeof error.code === "string" || error.killed === true)
        resume(Effect.fail(new GitFailed({ args, reason: error?.message ?? `exit ${code}`, internal })))
      }
    })
  })

const lines = (text: string) => text.split("\n").map((line) => line.trim()).filter((line) => line.length > 0)

const optional = (effect: Effect.Effect<string, GitFailed>) =>
  effect.pipe(Effect.map((out) => out.trim()), Effect.orElseSucceed(() => ""))

export const gitDiffToRemote = Effect.fnUntraced(function*(cwd: string) {
  const inside = yield* git(cwd, ["rev-parse", "--is-inside-work-tree"])
  if (inside.trim() !== "true") return yield* new GitFailed({ args: ["rev-parse"], reason: "not a work tree" })
  const remotes = lines(yield* git(cwd, ["remote"])).sort((a, b) => (a === "origin" ? -1 : b === "origin" ? 1 : 0))
  if (remotes.length === 0) return yield* new GitFailed({ args: ["remote"], reason: "no remotes" })

  const current = yield* optional(git(cwd, ["rev-parse", "--abbrev-ref", "HEAD"]))
  const candidates: Array<string> = current !== "" && current !== "HEAD" ? [current] : []
  for (const remote of remotes) {
    const head = yield* optional(git(cwd, ["symbolic-ref", "--short", `refs/remotes/${remote}/HEAD`]))
    if (head.startsWith(`${remote}/`)) candidates.push(head.slice(remote.length + 1))
  }
  candidates.push("main", "master")
  for (const ref of lines(yield* optional(git(cwd, ["branch", "-r", "--contains", "HEAD", "--format=%(refname:short)"])))) {
    const remote = remotes.find((name) => ref.startsWith(`${name}/`))
    if (remote !== undefined && !ref.endsWith("/HEAD")) candidates.push(ref.slice(remote.length + 1))
  }

  let best: { readonly sha: string; readonly distance: number } | undefined
  for (const branch of new Set(candidates)) {
    for (const remote of remotes) {
      const sha = yield* optional(git(cwd, ["rev-parse", "--verify", "--quiet", `refs/remotes/${remote}/${branch}^{commit}`]))
      if (sha === "") continue
      const distance = Number(yield* optional(git(cwd, ["rev-list", "--count", `${sha}..HEAD`])))
      if (Number.isFinite(distance) && (best === undefined || distance < best.distance)) best = { sha, distance }
    }
  }
  if (best === undefined) return yield* new GitFailed({ args: ["rev-parse"], reason: "no remote-tracking commit" })

  let diff = yield* git(cwd, ["diff", best.sha], [0, 1])
  for (const file of lines(yield* git(cwd, ["ls-files", "--others", "--exclude-standard"]))) {
    diff += yield* git(cwd, ["diff", "--binary", "--no-index", "/dev/null", file], [0, 1])
  }
  return { sha: best.sha, diff }
})
