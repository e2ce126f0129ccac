/**
 * Runs one conversation in-process against a scripted model and prints every event.
 * Run: `node examples/scripted-conversation.ts` (after `npm run build`).
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Console, Effect, Stream } from "effect"
import { CodexLayer, ConversationManager, ModelClient, ScriptedTurn } from "codex-effect"

const program = Effect.gen(function*() {
  const manager = yield* ConversationManager
  const { conversation, sessionConfigured } = yield* manager.newConversation({})
  yield* Console.log(JSON.stringify(sessionConfigured))
  yield* Effect.scoped(Effect.gen(function*() {
    // Subscribe before submitting, so no event of the task is missed.
    const events = yield* conversation.subscribe
    yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "Say hello" }] })
    yield* events.pipe(
      Stream.takeUntil((event) => event.msg.type === "task_complete"),
      Stream.runForEach((event) => Console.log(JSON.stringify(event)))
    )
  }))
})

const workspace = mkdtempSync(join(tmpdir(), "codex-example-"))

await Effect.runPromise(program.pipe(
  Effect.provide(CodexLayer({
    codexHome: workspace,
    cwd: workspace,
    model: ModelClient.layerScripted([ScriptedTurn.text("Hello from the scripted model!")])
  }))
))
