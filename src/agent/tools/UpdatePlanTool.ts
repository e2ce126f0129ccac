/**
 * `update_plan`: the model keeps a short plan; each call is published as a
 * `plan_update` event and answered with "Plan updated". At most `MAX_PLAN_STEPS` steps: each one is
 * sent to every client of the conversation.
 */
import { Effect, Schema } from "effect"
import { MAX_PLAN_STEPS, overLimit } from "../../model/ModelOutputLimits.js"
import { functionParameters } from "../../model/Prompt.js"
import { PlanItem } from "../../rpc/Event.js"
import type { Tool } from "../Tool.js"

const UpdatePlanArgs = Schema.Struct({
  explanation: Schema.optionalKey(Schema.NullOr(Schema.String)),
  plan: Schema.Array(PlanItem)
})
const decodeArgs = Schema.decodeUnknownResult(UpdatePlanArgs, { onExcessProperty: "error" })

/** The arguments, or what is wrong with them; the step count is checked before any step is decoded. */
const parseArgs = (input: string): typeof UpdatePlanArgs.Type | string => {
  let json: unknown
  try {
    json = JSON.parse(input)
  } catch (error) {
    return `failed to parse function arguments: ${error instanceof Error ? error.message : String(error)}`
  }
  const plan = typeof json === "object" && json !== null ? (json as { plan?: unknown }).plan : undefined
  if (Array.isArray(plan) && plan.length > MAX_PLAN_STEPS) {
    return `${overLimit("the plan", plan.length, MAX_PLAN_STEPS, "steps")}: keep the plan short, a step for each stage of the work`
  }
  const args = decodeArgs(json)
  return args._tag === "Success" ? args.success : `failed to parse function arguments: ${args.failure.message.replace(/\n\s*/g, " ")}`
}

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
      const args = parseArgs(call.input)
      if (typeof args === "string") return Effect.succeed(args)
      return context.emit({ type: "plan_update", explanation: args.explanation ?? null, plan: args.plan })
        .pipe(Effect.as("Plan updated"))
    })
}
