/**
 * `review/start` on `codex-effect app-server`, end to end: the built binary over raw JSON-RPC on stdio, a
 * real git repository in a temp dir, the mock model. Checked: the answer, the review turn's items in the
 * reference's order, what the reviewer model is sent for each target (instructions, prompt, tools, a
 * history without the thread's turns), what the thread's next turn sends, a detached review's fork, an
 * interrupted review, and that every message validates against the reference's generated JSON Schema.
 */
import { execFileSync } from "node:child_process"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type AppServerClient, useAppServers } from "../support/AppServerClient.js"
import { type MockModelServer, MockTurn, mockConfigToml, type RecordedRequest, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, type ServerProcess } from "../support/ServerProcess.js"

const { launch: launchIn } = useAppServers()
let model: MockModelServer | undefined

afterEach(async () => {
  await model?.close()
  model = undefined
})

const REVIEW = {
  findings: [{
    title: "[P1] Second line lost",
    body: "The change drops the line callers read.",
    confidence_score: 0.8,
    priority: 1,
    code_location: { absolute_file_path: "/repo/a.txt", line_range: { start: 2, end: 2 } }
  }],
  overall_correctness: "patch is incorrect",
  overall_explanation: "One regression.",
  overall_confidence_score: 0.7
}
const REVIEW_TEXT = "One regression.\n\nReview comment:\n\n- [P1] Second line lost — /repo/a.txt:2-2\n  The change drops the line callers read."

const git = (cwd: string, ...args: Array<string>) => execFileSync("git", args, { cwd, encoding: "utf8" }).trim()

/** A repository on branch `feature`, one commit past `main`, with an unstaged edit and an untracked file. */
const makeRepo = () => {
  const repo = makeTempDir("review-repo-")
  git(repo, "init", "-q", "-b", "main")
  git(repo, "config", "user.email", "e2e@example.com")
  git(repo, "config", "user.name", "e2e")
  writeFileSync(join(repo, "a.txt"), "one\n")
  git(repo, "add", ".")
  git(repo, "commit", "-qm", "first")
  git(repo, "checkout", "-qb", "feature")
  writeFileSync(join(repo, "a.txt"), "one\ntwo\n")
  git(repo, "commit", "-qam", "second")
  writeFileSync(join(repo, "a.txt"), "one\ntwo\nthree\n")
  writeFileSync(join(repo, "new.txt"), "untracked\n")
  return repo
}

type Client = AppServerClient

const launch = async (turns: ReadonlyArray<MockTurn>): Promise<Client> => {
  model = await startMockModelServer(turns)
  const codexHome = makeTempDir("codex-home-")
  writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { approvalPolicy: "never", wireApi: "responses" }))
  return launchIn(codexHome)
}

const startThread = async (client: Client, cwd: string) => {
  const started = await client.request("thread/start", { cwd })
  expect(started.error).toBeUndefined()
  return started.result.thread.id as string
}

const startReview = async (client: Client, threadId: string, target: object, delivery?: string) => {
  const answer = await client.request("review/start", { threadId, target, ...(delivery !== undefined ? { delivery } : {}) })
  expect(answer.error).toBeUndefined()
  return answer.result as { readonly turn: { readonly id: string; readonly items: ReadonlyArray<any> }; readonly reviewThreadId: string }
}

/** The turn's messages from `turn/started` to `turn/completed`, as `method itemType`. */
const turnKinds = (server: ServerProcess, turnId: string) => {
  const start = server.messages.findIndex((m) => m.method === "turn/started" && m.params.turn.id === turnId)
  const end = server.messages.findIndex((m) => m.method === "turn/completed" && m.params.turn.id === turnId)
  return server.messages.slice(start, end + 1)
    .filter((m) => m.method !== "thread/tokenUsage/updated" && m.method !== "thread/status/changed")
    .map((m) => (m.params?.item !== undefined ? `${m.method} ${m.params.item.type}` : m.method))
}

const REVIEW_ORDER = [
  "turn/started",
  "item/started enteredReviewMode",
  "item/completed enteredReviewMode",
  "item/started userMessage",
  "item/completed userMessage",
  "item/started exitedReviewMode",
  "item/completed exitedReviewMode",
  "item/started agentMessage",
  "item/completed agentMessage",
  "turn/completed"
]

const itemOf = (server: ServerProcess, turnId: string, type: string) =>
  server.messages.find((m) => m.method === "item/completed" && m.params.turnId === turnId && m.params.item.type === type)?.params.item

/** The texts of a model request's messages, by role. */
const messages = (request: RecordedRequest) =>
  (request.body.input as Array<any>)
    .filter((item) => item.type === "message")
    .map((item) => ({ role: item.role as string, text: (item.content as Array<any>).map((part) => part.text ?? "").join("") }))

const toolNames = (request: RecordedRequest) => (request.body.tools as Array<any>).map((tool) => tool.name ?? tool.type)

describe("app-server review/start", () => {
  it("uncommitted changes, inline: the reviewer gets the review instructions and prompt alone, the thread gets the review", async () => {
    const repo = makeRepo()
    const client = await launch([MockTurn.message("earlier answer"), MockTurn.message(JSON.stringify(REVIEW)), MockTurn.message("noted")])
    const threadId = await startThread(client, repo)
    const first = await client.request("turn/start", { threadId, input: [{ type: "text", text: "an earlier question" }] })
    await client.turnCompleted(first.result.turn.id)

    const review = await startReview(client, threadId, { type: "uncommittedChanges" })
    expect(review.reviewThreadId).toBe(threadId)
    expect(review.turn.items).toEqual([
      { type: "userMessage", id: review.turn.id, content: [{ type: "text", text: "current changes", text_elements: [] }] }
    ])
    const completed = await client.turnCompleted(review.turn.id)
    expect(completed.params.turn.status).toBe("completed")
    expect(turnKinds(client.server, review.turn.id)).toEqual(REVIEW_ORDER)
    expect(itemOf(client.server, review.turn.id, "enteredReviewMode").review).toBe("current changes")
    const prompt = "Review the current code changes (staged, unstaged, and untracked files) and provide prioritized findings."
    expect(itemOf(client.server, review.turn.id, "userMessage").content[0].text).toBe(prompt)
    expect(itemOf(client.server, review.turn.id, "exitedReviewMode").review).toBe(REVIEW_TEXT)
    expect(itemOf(client.server, review.turn.id, "agentMessage").text).toBe(REVIEW_TEXT)
    // The raw review JSON is never shown as a message of its own.
    expect(client.server.messages.some((m) => m.method === "item/agentMessage/delta" && m.params.turnId === review.turn.id)).toBe(false)

    const reviewer = model!.requests[1]!
    expect(reviewer.body.instructions).toMatch(/^# Review guidelines/)
    expect(reviewer.body.instructions).toContain('"overall_correctness"')
    const sent = messages(reviewer)
    expect(sent.at(-1)).toEqual({ role: "user", text: prompt })
    expect(sent.some((m) => m.text.includes("an earlier question") || m.text.includes("earlier answer"))).toBe(false)
    expect(sent[0]!.text).toContain("<environment_context>")
    expect(toolNames(reviewer)).not.toContain("apply_patch")
    expect(toolNames(reviewer)).not.toContain("update_plan")

    // The thread's next turn carries the review, as the reference records it.
    const next = await client.request("turn/start", { threadId, input: [{ type: "text", text: "fix it" }] })
    await client.turnCompleted(next.result.turn.id)
    const after = messages(model!.requests[2]!)
    expect(after.slice(-3)).toEqual([
      {
        role: "user",
        text: `<user_action>\n  <context>User initiated a review task. Here's the full review output from reviewer model. User may select one or more comments to resolve.</context>\n  <action>review</action>\n  <results>\n  ${REVIEW_TEXT}\n  </results>\n  </user_action>\n`
      },
      { role: "assistant", text: REVIEW_TEXT },
      { role: "user", text: "fix it" }
    ])
    expect(after.some((m) => m.text === "an earlier question")).toBe(true)

    // Read back from the saved rollout: the review is a turn of review items, not the user action's text.
    const read = await client.request("thread/read", { threadId, includeTurns: true })
    expect(read.result.thread.preview).toBe("an earlier question")
    const reviewTurn = read.result.thread.turns.at(-2)
    expect(reviewTurn.items.map((item: any) => item.type)).toEqual(["exitedReviewMode", "agentMessage"])
    expect(reviewTurn.items[0].review).toBe(REVIEW_TEXT)
  })

  it("a base branch: the prompt names the merge base, read by git that runs none of the repository's programs", async () => {
    const repo = makeRepo()
    const marker = join(makeTempDir("review-outside-"), "fsmonitor-ran")
    git(repo, "config", "core.fsmonitor", `touch ${marker}`)
    const mergeBase = execFileSync("git", ["-c", "core.fsmonitor=false", "merge-base", "HEAD", "main"], { cwd: repo, encoding: "utf8" }).trim()
    const client = await launch([MockTurn.message(JSON.stringify(REVIEW)), MockTurn.message("plain words, no JSON")])
    const threadId = await startThread(client, repo)

    const review = await startReview(client, threadId, { type: "baseBranch", branch: "main" })
    expect(review.turn.items[0].content[0].text).toBe("changes against 'main'")
    await client.turnCompleted(review.turn.id)
    expect(turnKinds(client.server, review.turn.id)).toEqual(REVIEW_ORDER)
    expect(messages(model!.requests[0]!).at(-1)!.text).toBe(
      `Review the code changes against the base branch 'main'. The merge base commit for this comparison is ${mergeBase}. Run \`git diff ${mergeBase}\` to inspect the changes relative to main. Provide prioritized, actionable findings.`
    )
    expect(existsSync(marker)).toBe(false)

    // A branch git does not know: the prompt says how to find the merge base; text that is no review JSON is the review.
    const unknown = await startReview(client, threadId, { type: "baseBranch", branch: "nope" })
    await client.turnCompleted(unknown.turn.id)
    expect(messages(model!.requests[1]!).at(-1)!.text).toContain(
      "Start by finding the merge diff between the current branch and nope's upstream"
    )
    expect(itemOf(client.server, unknown.turn.id, "exitedReviewMode").review).toBe("plain words, no JSON")
    expect(existsSync(marker)).toBe(false)
  })

  it("custom instructions and a commit: the prompt and the name the reference gives them; empty instructions are refused", async () => {
    const repo = makeRepo()
    const sha = git(repo, "rev-parse", "HEAD")
    const client = await launch([MockTurn.message(JSON.stringify(REVIEW)), MockTurn.message(JSON.stringify(REVIEW))])
    const threadId = await startThread(client, repo)

    const custom = await startReview(client, threadId, { type: "custom", instructions: "  Look only at a.txt  " })
    expect(custom.turn.items[0].content[0].text).toBe("Look only at a.txt")
    await client.turnCompleted(custom.turn.id)
    expect(turnKinds(client.server, custom.turn.id)).toEqual(REVIEW_ORDER)
    expect(messages(model!.requests[0]!).at(-1)!.text).toBe("Look only at a.txt")

    const commit = await startReview(client, threadId, { type: "commit", sha, title: "second" })
    expect(commit.turn.items[0].content[0].text).toBe(`commit ${sha.slice(0, 7)}: second`)
    await client.turnCompleted(commit.turn.id)
    expect(messages(model!.requests[1]!).at(-1)!.text).toBe(
      `Review the code changes introduced by commit ${sha} ("second"). Provide prioritized, actionable findings.`
    )

    const empty = await client.request("review/start", { threadId, target: { type: "custom", instructions: "   " } })
    expect(empty.error).toEqual({ code: -32600, message: "instructions must not be empty" })
    const unknownThread = await client.request("review/start", { threadId: "no-such-thread", target: { type: "uncommittedChanges" } })
    expect(unknownThread.error).toBeDefined()
  })

  it("detached: the review runs in a fork announced before the answer; the thread itself is untouched", async () => {
    const repo = makeRepo()
    const client = await launch([MockTurn.message(JSON.stringify(REVIEW))])
    const threadId = await startThread(client, repo)

    const review = await startReview(client, threadId, { type: "custom", instructions: "check it" }, "detached")
    expect(review.reviewThreadId).not.toBe(threadId)
    const all = client.server.messages
    const announced = all.findIndex((m) => m.method === "thread/started" && m.params.thread.id === review.reviewThreadId)
    expect(all[announced]!.params.thread.forkedFromId).toBe(threadId)
    expect(announced).toBeLessThan(all.findIndex((m) => m.result?.reviewThreadId !== undefined))
    await client.turnCompleted(review.turn.id)
    expect(turnKinds(client.server, review.turn.id)).toEqual(REVIEW_ORDER)
    expect(all.filter((m) => m.params?.turnId === review.turn.id).every((m) => m.params.threadId === review.reviewThreadId)).toBe(true)
    expect(all.some((m) => m.method?.startsWith("item/") === true && m.params.threadId === threadId)).toBe(false)
  })

  it("interrupted: review mode ends with the reference's texts and the turn with status interrupted", async () => {
    const repo = makeRepo()
    const client = await launch([MockTurn.stall(["{"]), MockTurn.message("ok")])
    const threadId = await startThread(client, repo)
    const review = await startReview(client, threadId, { type: "uncommittedChanges" })
    await model!.waitForRequests(1)
    expect((await client.request("turn/interrupt", { threadId, turnId: review.turn.id })).error).toBeUndefined()
    const completed = await client.turnCompleted(review.turn.id)
    expect(completed.params.turn.status).toBe("interrupted")
    expect(itemOf(client.server, review.turn.id, "exitedReviewMode").review).toBe("Reviewer failed to output a response.")
    expect(itemOf(client.server, review.turn.id, "agentMessage").text).toBe(
      "Review was interrupted. Please re-run /review and wait for it to complete."
    )
    const next = await client.request("turn/start", { threadId, input: [{ type: "text", text: "again" }] })
    await client.turnCompleted(next.result.turn.id)
    expect(messages(model!.requests[1]!).slice(-3).map((m) => m.role)).toEqual(["user", "assistant", "user"])
    expect(messages(model!.requests[1]!).at(-3)!.text).toContain("User initiated a review task, but was interrupted.")
  })
})
