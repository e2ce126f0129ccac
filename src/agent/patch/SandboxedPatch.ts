/**
 * Applying a patch where the kernel enforces the writable roots: the applier runs as a child inside
 * the turn's sandbox (`SandboxedPatchMain`, started through `PatchApplierEntry`), with the same mounts
 * a command of the turn gets. The server's own checks (`WritableRoots`) decide whether to apply or
 * ask; this makes the writes themselves safe from a path that changes after those checks — a
 * directory swapped for a symlink by another conversation lands the write on a read-only mount.
 *
 * The answer is the applier's text, success or failure, as the in-process applier gives it, so the
 * events and what the model reads are the same either way.
 */
import { Effect, Result, Schema } from "effect"
import { runCommand } from "../exec/CommandRunner.js"
import { findBwrap, type SandboxSpec } from "../exec/Sandbox.js"
import { patchApplierArgs } from "./PatchApplierEntry.js"

/** Long enough for the largest patch the caps let through. */
const APPLY_TIMEOUT_MS = 60_000
/** The answer's bytes kept: the success text lists every file. */
const ANSWER_BYTES = 16 * 1024 * 1024

const Answer = Schema.Struct({ ok: Schema.Boolean, text: Schema.String })
const decodeAnswer = Schema.decodeUnknownResult(Schema.fromJsonString(Answer))

const failed = (why: string) => Result.fail(`apply_patch could not run in the sandbox: ${why}`)

/**
 * Applies `patch` (relative paths from `cwd`) inside the sandbox of `spec`; the child starts in the
 * workspace. The result is the success text or the error text.
 */
export const applyPatchInSandbox = Effect.fn("SandboxedPatch.apply")(function*(
  patch: string,
  cwd: string,
  spec: SandboxSpec,
  configuredBwrap: string | undefined
) {
  const args = patchApplierArgs()
  if (args === undefined) return failed("no patch applier is available to this program")
  const bwrap = yield* findBwrap(configuredBwrap).pipe(Effect.result)
  if (bwrap._tag === "Failure") return Result.fail(bwrap.failure.message)
  const run = yield* runCommand({
    argv: [process.execPath, ...args],
    cwd: spec.workspace,
    env: {},
    timeoutMs: APPLY_TIMEOUT_MS,
    sandbox: { bwrapPath: bwrap.success, spec },
    input: new TextEncoder().encode(JSON.stringify({ patch, cwd })),
    captureBytesPerStream: ANSWER_BYTES * 2
  }).pipe(Effect.result)
  if (run._tag === "Failure") return Result.fail(run.failure.message)
  const answer = decodeAnswer(run.success.stdout)
  if (run.success.exitCode !== 0 || answer._tag === "Failure") {
    const stderr = run.success.stderr.trim().slice(-2000)
    return failed(`the applier exited with ${run.success.exitCode}${stderr === "" ? "" : `: ${stderr}`}`)
  }
  return answer.success.ok ? Result.succeed(answer.success.text) : Result.fail(answer.success.text)
})
