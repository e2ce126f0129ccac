/**
 * The patch applier as a program, run by the server inside the turn's sandbox (see `SandboxedPatch`):
 * it reads `{ "patch": …, "cwd": … }` on stdin, parses, plans and applies the patch there, and
 * answers `{ "ok": boolean, "text": … }` on stdout — the success text or the error, as the in-process
 * applier words them. Every write it makes goes through the sandbox's mounts, so the kernel holds it
 * to the writable roots whatever happens to the paths meanwhile.
 */
import { readFileSync } from "node:fs"
import { runApplyPatch } from "./ApplyPatchCommand.js"

const answer = (() => {
  try {
    const request = JSON.parse(readFileSync(0, "utf8")) as { readonly patch?: unknown; readonly cwd?: unknown }
    if (typeof request.patch !== "string" || typeof request.cwd !== "string") return { ok: false, text: "bad request" }
    const outcome = runApplyPatch(request.patch, request.cwd)
    return outcome.exitCode === 0 ? { ok: true, text: outcome.stdout } : { ok: false, text: outcome.stderr.replace(/\n$/, "") }
  } catch (error) {
    return { ok: false, text: error instanceof Error ? error.message : String(error) }
  }
})()

await new Promise<void>((done) => process.stdout.write(JSON.stringify(answer), () => done()))
process.exit(0)
