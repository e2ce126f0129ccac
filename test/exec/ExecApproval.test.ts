/**
 * The approval decision (stricter than the reference's: see docs/differences.md): the full approval-policy × sandbox-mode
 * matrix for an untrusted command — with and without a working sandbox, with and without an escalation
 * request — plus known-safe and session-approved commands, the reasons given, and the retry rule.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  assessCommandSafety,
  NOT_ON_TRUSTED_LIST,
  type SafetyAssessment,
  sessionKey,
  shouldOfferRetryWithoutSandbox,
  UNSANDBOXED_ONCE_APPROVED
} from "../../src/agent/exec/ExecApproval.js"
import { SandboxUnavailable } from "../../src/agent/exec/Sandbox.js"
import type { AskForApproval, SandboxPolicy } from "../../src/rpc/Enums.js"

const MODES: ReadonlyArray<SandboxPolicy> = [
  { mode: "danger-full-access" },
  { mode: "read-only" },
  { mode: "workspace-write", writable_roots: ["/srv"], network_access: false }
]

const show = (assessment: SafetyAssessment) =>
  assessment._tag === "AutoApprove" ? `run:${assessment.sandbox}` : assessment._tag === "AskUser" ? "ask" : "reject"

/**
 * The expected outcome for `python3 x.py`, per policy and mode, in four situations:
 * [sandbox works, sandbox missing, escalation asked + sandbox works, escalation asked + sandbox missing].
 */
type Row = readonly [string, string, string, string]
const SANDBOXED_MODE: Record<AskForApproval, Row> = {
  "untrusted": ["ask", "ask", "ask", "ask"],
  "on-failure": ["run:bwrap", "reject", "run:bwrap", "reject"],
  "on-request": ["run:bwrap", "reject", "ask", "ask"],
  "never": ["run:bwrap", "reject", "run:bwrap", "reject"]
}
const FULL_ACCESS: Record<AskForApproval, Row> = {
  "untrusted": ["ask", "ask", "ask", "ask"],
  "on-failure": ["run:none", "run:none", "run:none", "run:none"],
  "on-request": ["run:none", "run:none", "run:none", "run:none"],
  "never": ["run:none", "run:none", "run:none", "run:none"]
}

describe("assessCommandSafety", () => {
  const situations = [
    { sandboxAvailable: true, withEscalatedPermissions: false },
    { sandboxAvailable: false, withEscalatedPermissions: false },
    { sandboxAvailable: true, withEscalatedPermissions: true },
    { sandboxAvailable: false, withEscalatedPermissions: true }
  ] as const

  for (const approvalPolicy of ["untrusted", "on-failure", "on-request", "never"] as const) {
    for (const sandboxPolicy of MODES) {
      it(`${approvalPolicy} × ${sandboxPolicy.mode}`, () => {
        const expected = sandboxPolicy.mode === "danger-full-access" ? FULL_ACCESS[approvalPolicy] : SANDBOXED_MODE[approvalPolicy]
        situations.forEach((situation, i) => {
          const base = { approvalPolicy, sandboxPolicy, approvedForSession: new Set<string>(), ...situation }
          assert.strictEqual(show(assessCommandSafety({ ...base, command: ["python3", "x.py"] })), expected[i], JSON.stringify(situation))
          // Known-safe and session-approved commands skip the question, not the sandbox: with full access
          // they run contained only; in a sandboxed mode inside the sandbox, or like any other command
          // (asked or refused) when there is none.
          const approved = new Set([sessionKey(["python3", "x.py"])])
          const noQuestion = sandboxPolicy.mode === "danger-full-access"
            ? "run:none"
            : situation.sandboxAvailable
            ? "run:bwrap"
            : expected[i]
          assert.strictEqual(show(assessCommandSafety({ ...base, command: ["ls", "-la"] })), noQuestion)
          assert.strictEqual(show(assessCommandSafety({ ...base, command: ["bash", "-lc", "git status && rg x"] })), noQuestion)
          assert.strictEqual(show(assessCommandSafety({ ...base, approvedForSession: approved, command: ["python3", "x.py"] })), noQuestion)
        })
      })
    }
  }

  it("remembers exact argv vectors only", () => {
    const base = {
      approvalPolicy: "untrusted",
      sandboxPolicy: { mode: "read-only" },
      sandboxAvailable: true,
      approvedForSession: new Set([sessionKey(["python3", "x.py"])])
    } as const
    assert.deepStrictEqual(assessCommandSafety({ ...base, command: ["python3", "x.py"] }), {
      _tag: "AutoApprove",
      sandbox: "bwrap",
      sessionApproved: true
    })
    assert.strictEqual(show(assessCommandSafety({ ...base, command: ["python3", "x.py", "--all"] })), "ask")
    assert.strictEqual(show(assessCommandSafety({ ...base, command: ["python3 x.py"] })), "ask")
  })

  it("says under untrusted, in a sandboxed mode, that the approved command runs outside the sandbox", () => {
    const base = { command: ["python3", "x.py"], approvalPolicy: "untrusted", sandboxAvailable: true, approvedForSession: new Set<string>() } as const
    assert.deepStrictEqual(assessCommandSafety({ ...base, sandboxPolicy: { mode: "workspace-write" } }), {
      _tag: "AskUser",
      reason: UNSANDBOXED_ONCE_APPROVED
    })
    assert.deepStrictEqual(assessCommandSafety({ ...base, sandboxPolicy: { mode: "danger-full-access" } }), { _tag: "AskUser" })
  })

  it("asks on-request escalations with the justification as the reason", () => {
    const assessment = assessCommandSafety({
      command: ["npm", "install"],
      approvalPolicy: "on-request",
      sandboxPolicy: { mode: "workspace-write" },
      approvedForSession: new Set(),
      sandboxAvailable: true,
      withEscalatedPermissions: true,
      justification: "needs the network"
    })
    assert.deepStrictEqual(assessment, { _tag: "AskUser", reason: "needs the network" })
  })

  it("explains a rejection for a missing sandbox, with the fix", () => {
    const base = { command: ["make"], sandboxPolicy: { mode: "read-only" }, approvedForSession: new Set<string>() } as const
    const missing = new SandboxUnavailable({ message: "The command sandbox is unavailable: bwrap was not found" })
    assert.deepStrictEqual(
      assessCommandSafety({ ...base, approvalPolicy: "on-request", sandboxAvailable: missing }),
      { _tag: "Reject", reason: missing.message }
    )
    const never = assessCommandSafety({ ...base, approvalPolicy: "never", sandboxAvailable: false })
    assert.strictEqual(never._tag, "Reject")
    assert.isTrue(never._tag === "Reject" && never.reason.startsWith(`${NOT_ON_TRUSTED_LIST}: `))
    assert.include(never._tag === "Reject" ? never.reason : "", "danger-full-access")
  })
})

describe("retry without the sandbox", () => {
  it.each<[AskForApproval, boolean, boolean, boolean]>([
    ["untrusted", true, false, false],
    ["on-failure", true, true, false],
    ["on-request", false, true, true],
    ["on-request", false, false, false],
    ["never", false, true, false]
  ])("%s, known-safe %s, session-approved %s → offer retry %s", (policy, knownSafe, sessionApproved, offer) => {
    assert.strictEqual(shouldOfferRetryWithoutSandbox(policy, { exitCode: 1, timedOut: false }, { knownSafe, sessionApproved }), offer)
  })

  it.each<[AskForApproval, number, boolean, boolean]>([
    ["on-failure", 1, false, true],
    ["on-failure", 2, false, true],
    ["on-failure", 137, false, true],
    ["on-failure", 0, false, false],
    ["on-failure", 127, false, false],
    ["on-failure", 124, true, false],
    ["untrusted", 1, false, true],
    ["on-request", 1, false, false],
    ["never", 1, false, false]
  ])("%s, exit %d, timed out %s → offer retry %s", (policy, exitCode, timedOut, offer) => {
    assert.strictEqual(shouldOfferRetryWithoutSandbox(policy, { exitCode, timedOut }), offer)
  })
})
