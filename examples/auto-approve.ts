/**
 * Answers approval requests in code: commands whose program is on an allow-list are approved, the
 * rest are denied, and the model is told. The model here is scripted to try `touch` and then `rm`.
 * CODEX_HOME and the workspace are temporary directories (nothing is written to ~/.codex), removed
 * at the end; CODEX_HOME is never inside the workspace.
 * Run: `node examples/auto-approve.ts` (after `npm run build`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Console, Effect, Logger, Stream } from "effect"
import { CodexLayer, ConversationManager, type ReviewDecision, ScriptedModel, ScriptedTurn } from "codex-effect"

const ALLOWED_PROGRAMS = new Set(["touch", "mkdir"])

const workspace = mkdtempSync(join(tmpdir(), "codex-example-"))
const codexHome = mkdtempSync(join(tmpdir(), "codex-example-home-"))
writeFileSync(join(workspace, "keep.txt"), "do not delete\n")

const program = Effect.gen(function*() {
  const manager = yield* ConversationManager
  // `untrusted`: every command that is not known to be read-only needs an approval.
  const { conversation } = yield* manager.newConversation({ approvalPolicy: "untrusted", sandboxMode: "danger-full-access" })
  yield* Effect.scoped(Effect.gen(function*() {
    const events = yield* conversation.subscribe
    yield* conversation.submit({ type: "user_input", items: [{ type: "text", text: "Tidy up the workspace" }] })
    yield* events.pipe(
      Stream.takeUntil((event) => event.msg.type === "task_complete"),
      Stream.runForEach((event) => {
        if (event.msg.type === "task_complete") return Console.log(`answer: ${event.msg.last_agent_message ?? ""}`)
        if (event.msg.type !== "exec_approval_request") return Effect.void
        const decision: ReviewDecision = ALLOWED_PROGRAMS.has(event.msg.command[0] ?? "") ? "approved" : "denied"
        return Console.log(`${decision}: ${event.msg.command.join(" ")}`).pipe(
          // The answer goes back under the submission id of the task that asked.
          Effect.andThen(conversation.submit({ type: "exec_approval", id: event.id, decision }))
        )
      })
    )
  }))
  yield* Console.log(`notes.txt created: ${existsSync(join(workspace, "notes.txt"))}`)
  yield* Console.log(`keep.txt kept: ${existsSync(join(workspace, "keep.txt"))}`)
})

try {
  await Effect.runPromise(program.pipe(
    Effect.provide(CodexLayer({
      codexHome,
      cwd: workspace,
      model: ScriptedModel.layer([
        ScriptedTurn.shell(["touch", "notes.txt"], { workdir: workspace }),
        ScriptedTurn.shell(["rm", "keep.txt"], { workdir: workspace }),
        ScriptedTurn.text("Created notes.txt; I was not allowed to delete keep.txt.")
      ])
    })),
    // The agent logs each turn, command and approval at info: to stderr, so stdout holds only what this prints.
    Effect.provideService(Logger.LogToStderr, true)
  ))
} finally {
  rmSync(workspace, { recursive: true, force: true })
  rmSync(codexHome, { recursive: true, force: true })
}
