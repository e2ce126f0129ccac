/**
 * One `exec` turn over the conversation lifecycle: start (or resume) a conversation, submit the prompt,
 * and write what happens, as JSONL thread events on stdout (`--json`) or as progress on stderr with the
 * final message alone on stdout. Nobody can answer an approval here, so every approval request is
 * denied with a note telling the model why. The turn's end decides the exit: a completed turn returns,
 * a failed or interrupted one fails with `ExecFailed` (its message goes to stderr).
 */
import { Data, Effect, Layer, Stream } from "effect"
import { pinOutputFile, writePinnedOutputFile } from "../../files/PinnedOutputFile.js"
import { ConversationManager } from "../../services/ConversationManager.js"
import { CodexLayer } from "../../services/CodexLayer.js"
import type { Environment } from "../../services/ProcessEnvironment.js"
import { ModelAuth } from "../../model/ModelAuth.js"
import { ModelClient } from "../../model/ModelClient.js"
import type { ConversationOverrides } from "../../config/ResolvedConfig.js"
import type { Event } from "../../rpc/Event.js"
import { approvalOpFor, type InputItem } from "../../rpc/Op.js"
import { answerNobodyAsked } from "../UnansweredQuestions.js"
import { makeHumanOutput } from "./HumanOutput.js"
import { type ResumeTarget, resumeThread } from "./ResumeThread.js"
import { makeThreadEventEncoder, type TurnOutcome } from "./ThreadEventEncoder.js"

/** The turn did not complete; `exitCode` is what the process exits with. */
export class ExecFailed extends Data.TaggedError("ExecFailed")<{ readonly message: string; readonly exitCode: number }> {}

export interface ExecRequest {
  readonly prompt: string
  /** Absolute paths of images to attach to the prompt. */
  readonly images: ReadonlyArray<string>
  /** Continue this saved thread instead of starting one. */
  readonly resume: ResumeTarget | undefined
  readonly overrides: ConversationOverrides
  /** The JSON Schema the final answer must match. */
  readonly outputSchema: Readonly<Record<string, unknown>> | undefined
  readonly json: boolean
  readonly color: boolean
  /** Where to write the final message too. */
  readonly outputLastMessage: string | undefined
}

/** What the model reads when exec refuses an approval on the user's behalf. */
export const NO_APPROVER =
  "codex-effect exec runs without anyone to approve actions, so this request was denied. Do not retry it; " +
  "finish the task without it, or say what the user must allow (a wider --sandbox, or -c approval_policy=never)."

const APPROVAL_REQUESTS: ReadonlySet<string> = new Set([
  "exec_approval_request",
  "apply_patch_approval_request",
  "mcp_tool_call_approval_request"
])

const write = (stream: NodeJS.WriteStream, text: string) => Effect.sync(() => void stream.write(text))

/**
 * Fails once `stream` errors: its reader is gone (`exec --json | head -1` closes stdout: EPIPE). The run
 * then ends as a failure, its scopes closing the turn and its commands, instead of the process dying on an
 * unhandled 'error' event; later errors on the stream are swallowed, so the exit itself cannot crash.
 */
const readerGone = (stream: NodeJS.WriteStream, name: string) =>
  Effect.callback<never, ExecFailed>((resume) => {
    const onError = (error: NodeJS.ErrnoException) => {
      stream.on("error", () => {})
      resume(Effect.fail(new ExecFailed({ message: `${name} was closed before the turn ended (${error.code ?? error.message})`, exitCode: 1 })))
    }
    stream.once("error", onError)
    return Effect.sync(() => void stream.off("error", onError))
  })

/** Resolves once everything written so far has been handed to the OS, so an exit loses nothing. */
const flush = (stream: NodeJS.WriteStream) =>
  Effect.callback<void>((resume) => void stream.write("", () => resume(Effect.void)))

const startConversation = (request: ExecRequest) =>
  Effect.gen(function*() {
    if (request.resume !== undefined) return yield* resumeThread(request.resume, request.overrides)
    const manager = yield* ConversationManager
    return yield* manager.newConversation(request.overrides).pipe(
      Effect.mapError((error) => new ExecFailed({ message: error.message, exitCode: 1 }))
    )
  })

const failureOf = (outcome: TurnOutcome | undefined): ExecFailed | undefined =>
  outcome === undefined
    ? new ExecFailed({ message: "the conversation ended before the turn did", exitCode: 1 })
    : outcome._tag === "Failed"
    ? new ExecFailed({ message: outcome.message, exitCode: 1 })
    : outcome._tag === "Aborted"
    ? new ExecFailed({ message: "interrupted", exitCode: 130 })
    : undefined

const runTurn = Effect.fnUntraced(function*(request: ExecRequest) {
  const started = yield* startConversation(request)
  const { conversation, conversationId } = started
  const events = yield* conversation.subscribe
  const encoder = makeThreadEventEncoder(yield* conversation.tokenTotals)
  const human = makeHumanOutput(request.color)
  const config = conversation.config

  const show = (event: Event) =>
    request.json
      ? write(process.stdout, encoder.encode(event).map((line) => JSON.stringify(line) + "\n").join(""))
      : Effect.andThen(Effect.sync(() => encoder.encode(event)), write(process.stderr, human.render(event)))

  const answer = (event: Event) =>
    APPROVAL_REQUESTS.has(event.msg.type)
      ? conversation.submit({ type: approvalOpFor(event.msg.type), id: event.id, decision: "denied", reason: NO_APPROVER })
      // Nobody can answer questions either: the task hears so at once.
      : answerNobodyAsked(conversation, event)

  if (request.json) yield* show(conversation.sessionConfigured)
  else {
    encoder.encode(conversation.sessionConfigured)
    yield* write(process.stderr, human.header({
      prompt: request.prompt,
      model: config.model,
      provider: config.modelProviderId,
      cwd: config.cwd,
      approvalPolicy: config.approvalPolicy,
      sandbox: config.sandboxMode,
      reasoningEffort: config.modelReasoningEffort,
      reasoningSummary: config.modelReasoningSummary
    }, conversationId))
  }

  const items: ReadonlyArray<InputItem> = [
    { type: "text", text: request.prompt },
    ...request.images.map((path) => ({ type: "local_image" as const, path }))
  ]
  // Resolved before the model runs a command that could swap the file or its directory for a link.
  const outputFile = request.outputLastMessage === undefined ? undefined : pinOutputFile(request.outputLastMessage)
  yield* conversation.submit({
    type: "user_input",
    items,
    ...(request.outputSchema !== undefined ? { final_output_json_schema: request.outputSchema } : {})
  })

  yield* events.pipe(
    Stream.takeUntil((event) => event.msg.type === "task_complete" || event.msg.type === "turn_aborted"),
    Stream.runForEach((event) => Effect.andThen(show(event), answer(event)))
  )
  const outcome = encoder.outcome()
  const lastMessage = outcome?._tag === "Completed" ? outcome.lastMessage ?? "" : undefined
  if (lastMessage !== undefined && outputFile !== undefined) {
    const failed = writePinnedOutputFile(outputFile, lastMessage)
    if (failed !== undefined) {
      return yield* new ExecFailed({ message: `could not write --output-last-message ${request.outputLastMessage}: ${failed}`, exitCode: 1 })
    }
  }
  if (lastMessage !== undefined && lastMessage !== "" && !request.json) {
    yield* write(process.stdout, lastMessage.endsWith("\n") ? lastMessage : `${lastMessage}\n`)
  }
  yield* flush(process.stdout)
  const failed = failureOf(outcome)
  if (failed !== undefined) return yield* failed
})

export const runExec = Effect.fn("Exec.run")((request: ExecRequest) =>
  runTurn(request).pipe(Effect.raceFirst(readerGone(process.stdout, "stdout")), Effect.raceFirst(readerGone(process.stderr, "stderr")))
)

/** The agent exec runs on: its `-c` overrides and environment; `apiKeyFromEnv` when the key the SDK passes wins over CODEX_HOME's login. */
export const execAgentLayer = (agent: { readonly cliOverrides: ReadonlyArray<string>; readonly env: Environment; readonly apiKeyFromEnv: boolean }) =>
  CodexLayer({
    cliOverrides: agent.cliOverrides,
    env: agent.env,
    ...(agent.apiKeyFromEnv ? { model: ModelClient.layer.pipe(Layer.provide(ModelAuth.layerFromEnv)) } : {})
  })
