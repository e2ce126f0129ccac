/**
 * Runs one conversation in-process and prints the agent's final answer. The model here is scripted;
 * leave `model` out for the real one (credentials as for the CLI). CODEX_HOME, where conversations
 * are saved, and the workspace are temporary directories removed at the end, so nothing is written
 * to ~/.codex.
 * Run: `node examples/scripted-conversation.ts` (after `npm run build`).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Console, Effect, Logger, Option, Stream } from "effect"
import { CodexLayer, ConversationManager, ScriptedModel, ScriptedTurn } from "codex-effect"

const program = Effect.gen(function*() {
  const manager = yield* ConversationManager
  const { conversation } = yield* manager.newConversation({ approvalPolicy: "never" })
  const last = yield* Effect.scoped(Effect.gen(function*() {
    const events = yield* conversation.subscribe // subscribe first: no event is missed
    yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "Say hello" }] })
    return yield* events.pipe(
      Stream.takeUntil((event) => event.msg.type === "task_complete" || event.msg.type === "error"),
      Stream.runLast
    )
  }))
  const msg = Option.getOrUndefined(last)?.msg
  if (msg?.type === "task_complete") return yield* Console.log(msg.last_agent_message ?? "")
  return yield* Effect.fail(new Error(msg?.type === "error" ? msg.message : "the conversation ended without an answer"))
})

// CODEX_HOME (config, credentials, saved conversations) never inside the workspace the agent edits:
// commands could read its secrets and plant config there; inside it the sandbox keeps all of it read-only.
const codexHome = mkdtempSync(join(tmpdir(), "codex-home-"))
const workspace = mkdtempSync(join(tmpdir(), "workspace-"))
try {
  await Effect.runPromise(program.pipe(
    Effect.provide(CodexLayer({
      codexHome,
      cwd: workspace,
      model: ScriptedModel.layer([ScriptedTurn.text("Hello from the scripted model!")])
    })),
    // The agent logs each turn, command and approval at info: to stderr, so stdout holds only the answer.
    Effect.provideService(Logger.LogToStderr, true)
  ))
} finally {
  rmSync(codexHome, { recursive: true, force: true })
  rmSync(workspace, { recursive: true, force: true })
}
