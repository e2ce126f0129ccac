/**
 * `update_plan`: the model keeps a short plan; each call is published as a
 * `plan_update` event and answered with "Plan updated".
 */
import { Effect, Schema } from "effect"
import { functionParameters } from "../../model/Prompt.js"
import { PlanItem } from "../../rpc/Event.js"
import type { Tool } from "../Tool.js"

const UpdatePlanArgs = Schema.Struct({
  explanation: Schema.optionalKey(Schema.NullOr(Schema.String)),
  plan: Schema.Array(PlanItem)
})
const decodeArgs = Schema.decodeUnknownResult(Schema.fromJsonString(UpdatePlanArgs), { onExcessProperty: "error" })

/** The arguments as offered to the model (the reference's wording: `status` a described string, not an enum). */
const UpdatePlanParameters = Schema.Struct({
  explanation: Schema.optionalKey(Schema.String),
  plan: Schema.Array(Schema.Struct({
    step: Schema.String,
    status: Schema.String.annotate({ description: "One of: pending, in_progress, completed" })
  })).annotate({ description: "The list of steps" })
})

export const updatePlanTool: Tool = {
  name: "update_plan",
  spec: {
    type: "function",
    name: "update_plan",
    description:
      "Updates the task plan. Provide an optional explanation and a list of plan items, each with a step and status. " +
      "At most one step can be in_progress at a time.",
    strict: false,
    parameters: functionParameters(UpdatePlanParameters)
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
