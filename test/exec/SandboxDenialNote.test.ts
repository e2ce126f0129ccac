/**
 * The note a model gets after a sandboxed failure: only when the sandbox may be the cause, naming
 * the writable roots and the read-only `.git`, and saying how to ask for an unsandboxed run.
 */
import { assert, describe, it } from "@effect/vitest"
import { sandboxDenialNote } from "../../src/agent/exec/SandboxDenialNote.js"

const failed = (aggregatedOutput: string, exitCode = 1) => ({ exitCode, aggregatedOutput })

describe("sandboxDenialNote", () => {
  it("tells a failed git commit that .git is read-only, and how to ask", () => {
    const note = sandboxDenialNote(
      { mode: "workspace-write" },
      ["/work"],
      failed("fatal: Unable to create '/work/.git/index.lock': Read-only file system"),
      true
    )
    assert.include(note, "only `/work` is writable")
    assert.include(note, "`.git` (hooks, config, index) is read-only")
    assert.include(note, "with_escalated_permissions")
  })

  it("read-only: nothing is writable; other policies ask the user", () => {
    const note = sandboxDenialNote({ mode: "read-only" }, [], failed("touch: cannot touch 'x': Read-only file system"), false)
    assert.include(note, "read-only sandbox: nothing is writable")
    assert.include(note, "ask the user to approve running it outside the sandbox")
  })

  it("says nothing on success, under full access, or for a failure without a sign of the sandbox", () => {
    assert.strictEqual(sandboxDenialNote({ mode: "workspace-write" }, ["/w"], failed("Read-only file system", 0), true), "")
    assert.strictEqual(sandboxDenialNote({ mode: "danger-full-access" }, [], failed("Permission denied"), true), "")
    assert.strictEqual(sandboxDenialNote({ mode: "workspace-write" }, ["/w"], failed("1 test failed"), true), "")
  })
})
