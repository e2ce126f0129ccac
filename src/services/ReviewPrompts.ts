/**
 * What a review of a target asks the reviewer model, and what clients call it: the reference's prompts.
 * Only a base-branch review reads the repository, for the merge base of HEAD and the branch (its upstream
 * when that is ahead); the model inspects the change itself with its tools. The workspace is the model's
 * to write, so git runs as `WorkspaceGit` runs it (sandboxed, its program-running config off, time- and
 * size-limited); git that cannot answer leaves the model a prompt that says how to find the merge base.
 */
import { Context, Effect, Layer, Option } from "effect"
import { workspaceGit, type WorkspaceGitOptions } from "../agent/exec/WorkspaceGit.js"
import type { ReviewRequest } from "../agent/review/ReviewTask.js"
import { ProcessEnvironment } from "./ProcessEnvironment.js"

export type ReviewTarget =
  | { readonly type: "uncommittedChanges" }
  | { readonly type: "baseBranch"; readonly branch: string }
  | { readonly type: "commit"; readonly sha: string; readonly title?: string | undefined }
  | { readonly type: "custom"; readonly instructions: string }

/** Where git reads: the conversation's working directory, sandbox binary and CODEX_HOME. */
export type ReviewWorkspace = Pick<WorkspaceGitOptions, "cwd" | "bwrapPath" | "codexHome">

const UNCOMMITTED_PROMPT =
  "Review the current code changes (staged, unstaged, and untracked files) and provide prioritized findings."

const baseBranchPrompt = (branch: string, mergeBase: Option.Option<string>) =>
  Option.isSome(mergeBase)
    ? `Review the code changes against the base branch '${branch}'. The merge base commit for this comparison is ${mergeBase.value}. Run \`git diff ${mergeBase.value}\` to inspect the changes relative to ${branch}. Provide prioritized, actionable findings.`
    : `Review the code changes against the base branch '${branch}'. Start by finding the merge diff between the current branch and ${branch}'s upstream e.g. (\`git merge-base HEAD "$(git rev-parse --abbrev-ref "${branch}@{upstream}")"\`), then run \`git diff\` against that SHA to see what changes we would merge into the ${branch} branch. Provide prioritized, actionable findings.`

const commitPrompt = (sha: string, title: string | undefined) =>
  title !== undefined
    ? `Review the code changes introduced by commit ${sha} ("${title}"). Provide prioritized, actionable findings.`
    : `Review the code changes introduced by commit ${sha}. Provide prioritized, actionable findings.`

/** What the reviewer is asked for `target`, given its merge base (base-branch reviews only). */
export const reviewRequestOf = (target: ReviewTarget, mergeBase: Option.Option<string> = Option.none()): ReviewRequest => {
  switch (target.type) {
    case "uncommittedChanges":
      return { prompt: UNCOMMITTED_PROMPT, user_facing_hint: "current changes" }
    case "baseBranch":
      return { prompt: baseBranchPrompt(target.branch, mergeBase), user_facing_hint: `changes against '${target.branch}'` }
    case "commit": {
      const short = target.sha.slice(0, 7)
      return {
        prompt: commitPrompt(target.sha, target.title),
        user_facing_hint: target.title !== undefined ? `commit ${short}: ${target.title}` : `commit ${short}`
      }
    }
    case "custom":
      return { prompt: target.instructions, user_facing_hint: target.instructions }
  }
}

export class ReviewPrompts extends Context.Service<ReviewPrompts, {
  readonly requestFor: (target: ReviewTarget, workspace: ReviewWorkspace) => Effect.Effect<ReviewRequest>
}>()("codex-effect/ReviewPrompts") {
  static readonly layer = Layer.effect(ReviewPrompts, Effect.gen(function*() {
    const env = yield* ProcessEnvironment

    const git = (workspace: ReviewWorkspace, args: ReadonlyArray<string>) =>
      workspaceGit(workspace, args).pipe(
        Effect.map((out) => out.trim()),
        Effect.provideService(ProcessEnvironment, env),
        Effect.option
      )

    /** The upstream of `branch` when it has commits the local branch lacks (a stale local base). */
    const upstreamIfAhead = Effect.fnUntraced(function*(workspace: ReviewWorkspace, branch: string) {
      const upstream = yield* git(workspace, ["rev-parse", "--abbrev-ref", "--symbolic-full-name", `${branch}@{upstream}`])
      if (Option.isNone(upstream) || upstream.value === "") return Option.none<string>()
      const counts = yield* git(workspace, ["rev-list", "--left-right", "--count", `${branch}...${upstream.value}`])
      const ahead = Option.isSome(counts) ? Number(counts.value.split(/\s+/)[1]) : 0
      return ahead > 0 ? upstream : Option.none<string>()
    })

    const mergeBase = Effect.fnUntraced(function*(workspace: ReviewWorkspace, branch: string) {
      // A name git would read as an option is no branch.
      if (branch.startsWith("-")) return Option.none<string>()
      const head = yield* git(workspace, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
      const base = yield* git(workspace, ["rev-parse", "--verify", "--quiet", `${branch}^{commit}`])
      if (Option.isNone(head) || Option.isNone(base)) return Option.none<string>()
      const preferred = yield* upstreamIfAhead(workspace, branch)
      const against = Option.isSome(preferred) ? preferred.value : base.value
      return Option.filter(yield* git(workspace, ["merge-base", head.value, against]), (sha) => /^[0-9a-f]{7,64}$/.test(sha))
    })

    return ReviewPrompts.of({
      requestFor: Effect.fn("ReviewPrompts.requestFor")(function*(target, workspace) {
        if (target.type !== "baseBranch") return reviewRequestOf(target)
        return reviewRequestOf(target, yield* mergeBase(workspace, target.branch))
      })
    })
  }))
}
