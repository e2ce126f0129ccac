/**
 * `request_user_input`: the model asks the user one to three short questions and waits for the answers.
 * The questions go out as a `request_user_input` event; each face asks its client its own way (over MCP
 * a form elicitation, see `UserInputElicitation`) and answers with a `user_input_answer` op. The model
 * reads the answers as the reference gives them, `{"answers": {"<id>": {"answers": [...]}}}`, or a line
 * saying that nobody answered.
 */
import { Effect, Schema } from "effect"
import { type FunctionToolSpec, functionParameters } from "../../model/Prompt.js"
import { MAX_USER_INPUT_OPTIONS, MAX_USER_INPUT_TEXT_CHARS, overLimit } from "../../model/ModelOutputLimits.js"
import { UserInputQuestion } from "../../rpc/Event.js"
import type { Tool, ToolCall, ToolContext } from "../Tool.js"

const MAX_QUESTIONS = 3

const Parameters = Schema.Struct({
  questions: Schema.Array(Schema.Struct({
    header: Schema.String.annotate({ description: "Short header label shown in the UI (12 or fewer chars)." }),
    id: Schema.String.annotate({ description: "Stable identifier for mapping answers (snake_case)." }),
    options: Schema.Array(Schema.Struct({
      description: Schema.String.annotate({ description: "One short sentence explaining impact/tradeoff if selected." }),
      label: Schema.String.annotate({ description: "User-facing label (1-5 words)." })
    })).annotate({
      description: "Provide 2-3 mutually exclusive choices. Put the recommended option first and suffix its label with \"(Recommended)\". " +
        "Do not include an \"Other\" option in this list; the client will add a free-form \"Other\" option automatically."
    }),
    question: Schema.String.annotate({ description: "Single-sentence prompt shown to the user." })
  })).annotate({ description: "Questions to show the user. Prefer 1 and do not exceed 3" })
})

/** The reference's spec, without its "only in Plan mode" (there is no Plan mode here). */
const spec: FunctionToolSpec = {
  type: "function",
  name: "request_user_input",
  description: "Request user input for one to three short questions and wait for the response.",
  strict: false,
  parameters: functionParameters(Parameters)
}

const decodeArgs = Schema.decodeUnknownResult(Schema.fromJsonString(Schema.Struct({ questions: Schema.Array(UserInputQuestion) })))

/** The first size over its cap in `questions`, said as every cap says it; undefined when all fit. */
const oversized = (questions: ReadonlyArray<UserInputQuestion>): string | undefined => {
  for (const question of questions) {
    if (question.options.length > MAX_USER_INPUT_OPTIONS) {
      return overLimit(`the options of question \`${question.id.slice(0, 64)}\``, question.options.length, MAX_USER_INPUT_OPTIONS, "options")
    }
    const texts = [question.id, question.header, question.question, ...question.options.flatMap((option) => [option.label, option.description])]
    const longest = Math.max(...texts.map((text) => text.length))
    if (longest > MAX_USER_INPUT_TEXT_CHARS) return overLimit("a text of a question", longest, MAX_USER_INPUT_TEXT_CHARS, "characters")
  }
  return undefined
}

export const NO_ANSWER = "request_user_input: the user did not answer"

const run = (call: ToolCall, context: ToolContext): Effect.Effect<string> =>
  Effect.gen(function*() {
    const args = decodeArgs(call.input)
    if (args._tag === "Failure") return `failed to parse function arguments: ${args.failure.message.replace(/\n\s*/g, " ")}`
    const questions = args.success.questions
    if (questions.length === 0 || questions.length > MAX_QUESTIONS) {
      return `request_user_input: ask between 1 and ${MAX_QUESTIONS} questions (got ${questions.length})`
    }
    const tooLarge = oversized(questions)
    if (tooLarge !== undefined) return `request_user_input: ${tooLarge}`
    const answers = yield* context.requestUserInput(call.callId, questions)
    return Object.keys(answers).length === 0 ? NO_ANSWER : JSON.stringify({ answers })
  })

export const requestUserInputTool: Tool = { name: "request_user_input", spec, run }
