/**
 * `override_turn_context` through the library (the conversation API has no method for it;
 * `sendUserTurn` carries per-turn settings instead), on the real model client against the HTTP mock
 * model: the next request uses the new model and tells the model the new cwd; a relative cwd resolves
 * against the conversation's; a cwd that does not exist is refused and changes nothing.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Logger, Stream } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import type { Event } from "../../src/rpc/Event.js"
import type { Op } from "../../src/rpc/Op.js"
import { CodexLayer } from "../../src/services/CodexLayer.js"
import { ConversationManager } from "../../src/services/ConversationManager.js"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir } from "../support/ServerProcess.js"

let model: MockModelServer | undefined

afterEach(async () => {
  await model?.close()
  model = undefined
})

/**
 * Submits `ops` in order on a new conversation in `cwd`, waiting for each user turn to complete; an
 * override answers nothing when it succeeds, so the turn after it shows its effect. Returns every event.
 */
const run = (codexHome: string, cwd: string, ops: ReadonlyArray<Op>) =>
  Effect.runPromise(Effect.gen(function*() {
    const manager = yield* ConversationManager
    const { conversation } = yield* manager.newConversation({ cwd })
    const events = yield* conversation.subscribe
    const seen: Array<Event> = []
    for (const op of ops) {
      const id = yield* conversation.submit(op)
      if (op.type !== "user_input") continue
      const collected = yield* events.pipe(
        Stream.takeUntil((event) => event.id === id && event.msg.type === "task_complete"),
        Stream.runCollect
      )
      seen.push(...collected)
    }
    return seen
  }).pipe(
    Effect.scoped,
    Effect.provide(CodexLayer({ codexHome, cwd: codexHome, env: {} })),
    // The agent's log lines go to stderr, as the server's do.
    Effect.provideService(Logger.LogToStderr, true)
  ))

const texts = (body: any): Array<string> =>
  (body.input as Array<any>).flatMap((item) =>
    item.type === "message" ? item.content.flatMap((part: any) => (typeof part.text === "string" ? [part.text] : [])) : []
  )

const say = (text: string): Op => ({ type: "user_input", items: [{ type: "text", text }] })

describe("override_turn_context", () => {
  it("changes the model and cwd of the next request; a missing cwd is refused and changes nothing", async () => {
    model = await startMockModelServer([MockTurn.message("one"), MockTurn.message("two"), MockTurn.message("three")])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url, { wireApi: "responses" }))
    const cwd = makeTempDir("codex-work-")
    mkdirSync(join(cwd, "sub"))
    const events = await run(codexHome, cwd, [
      say("before"),
      { type: "override_turn_context", model: "other-model", cwd: "sub", approval_policy: "never" },
      say("after"),
      { type: "override_turn_context", cwd: "missing", model: "ignored-model" },
      say("after the refusal")
    ])
    expect(model.requests.map((request) => request.body.model)).toEqual(["mock-model", "other-model", "other-model"])
    const second = texts(model.requests[1]!.body)
    expect(second.at(-2)).toBe(
      `<environment_context>\n  <cwd>${join(cwd, "sub")}</cwd>\n  <approval_policy>never</approval_policy>\n</environment_context>`
    )
    expect(second.at(-1)).toBe("after")
    const refusal = events.find((event) => event.msg.type === "error")
    expect(refusal?.msg).toEqual({
      type: "error",
      message: `override_turn_context: cwd ${join(cwd, "sub", "missing")} does not exist; settings unchanged`
    })
    expect(texts(model.requests[2]!.body).filter((text) => text.includes("missing"))).toEqual([])
  })
})
