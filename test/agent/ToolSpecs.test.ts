/**
 * The `shell` and `update_plan` specs are generated from Schemas; what the model is sent must stay what
 * it was when they were written out by hand (the reference's wording). The literals below are those
 * hand-written specs. `shell`'s JSON text is unchanged byte for byte; `update_plan`'s differs only in the
 * order of object keys.
 */
import { assert, describe, it } from "@effect/vitest"
import { shellTool } from "../../src/agent/tools/ShellTool.js"
import { updatePlanTool } from "../../src/agent/tools/UpdatePlanTool.js"

const SHELL_SPEC = {
  type: "function",
  name: "shell",
  description: "Runs a shell command and returns its output.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      command: { type: "array", items: { type: "string" }, description: "The command to execute" },
      timeout_ms: { type: "number", description: "The timeout for the command in milliseconds" },
      workdir: { type: "string", description: "The working directory to execute the command in" }
    },
    required: ["command"],
    additionalProperties: false
  }
}

const UPDATE_PLAN_SPEC = {
  type: "function",
  name: "update_plan",
  description:
    "Updates the task plan. Provide an optional explanation and a list of plan items, each with a step and status. " +
    "At most one step can be in_progress at a time.",
  strict: false,
  parameters: {
    type: "object",
    properties: {
      explanation: { type: "string" },
      plan: {
        type: "array",
        description: "The list of steps",
        items: {
          type: "object",
          properties: {
            status: { type: "string", description: "One of: pending, in_progress, completed" },
            step: { type: "string" }
          },
          required: ["step", "status"],
          additionalProperties: false
        }
      }
    },
    required: ["plan"],
    additionalProperties: false
  }
}

/** The spec as the model request carries it: plain JSON. */
const wire = (spec: unknown) => JSON.parse(JSON.stringify(spec))

describe("tool specs generated from Schemas", () => {
  it("shell: the same JSON as the hand-written spec, to the byte", () => {
    assert.deepStrictEqual(wire(shellTool.spec), SHELL_SPEC)
    assert.strictEqual(JSON.stringify(shellTool.spec), JSON.stringify(SHELL_SPEC))
  })

  it("update_plan: the same JSON as the hand-written spec", () => {
    assert.deepStrictEqual(wire(updatePlanTool.spec), UPDATE_PLAN_SPEC)
  })
})
