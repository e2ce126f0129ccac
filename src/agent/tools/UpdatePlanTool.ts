/**
 * `update_plan`: the model keeps a short plan; each call is published as a
 * `plan_update` event and answered with "Plan updated".
 */
import { Effect, Schema } from "effect"
import { PlanItem } from "../../rpc/Event.js"
import type { Tool } from "../Tool.js"

const UpdatePlanArgs = Schema.Struct({
  explanation: Schema.optionalKey(Schema.NullOr(Schema.String)),
  plan: Schema.Array(PlanItem)
})
const decodeArgs = Schema.decodeUnknownResult(Schema.fromJsonString(UpdatePlanArgs), { onExcessProperty: "error" })

export const updatePlanTool: Tool = {
  name: "update_plan",
  spec: {
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
  },
  run: (call, context) =>
    Effect.suspend(() => {
      const args = decodeArgs(call.input)
      if (args._tag === "Failure") {
        return Effect.succeed(`failed to parse function arguments: ${args.failure.message.replace(/\n\s*/g, " ")}`)
      }
      return context.emit({ type: "plan_update", explanation: args.success.explanation ?? null, plan: args.success.plan })
        .pipe(Effect.as("Plan updated"))
    })
}
