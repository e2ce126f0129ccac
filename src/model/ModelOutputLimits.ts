/**
 * Every size the model controls, capped in one place. The model is untrusted and one server process
 * serves every conversation, so nothing a model sends may be buffered without a bound: a flood is cut
 * while it streams, and the model (or, when the response cannot be read at all, the client) is told
 * which limit it hit.
 *
 * The figures sit far above what a real agent sends and far below what hurts the server. A model
 * writes at most about 128k output tokens per response (~0.5 MB of text), and we ask for one tool call
 * at a time (`parallel_tool_calls: false`); a tool's arguments over a few MiB are therefore not a real
 * call, while a 100 MiB one used to take the server to 2.7 GiB and stall it for minutes
 * (`bench/model-floods.ts` measures each flood; with these caps none passes ~130 MiB or a 0.2 s stall).
 */

/** Characters (UTF-16 code units, as JavaScript counts them) of one tool call's arguments or custom input. */
export const MAX_TOOL_INPUT_CHARS = 4 * 1024 * 1024

/**
 * Bytes of one server-sent event of the model's response stream (a Responses `output_item.done`
 * carries a whole call's arguments, `response.completed` repeats the response's output). Above the
 * tool-input cap, so a call just over that cap still reaches the model as an error result; a bigger
 * event fails the response before the SDK buffers it.
 */
export const MAX_STREAM_EVENT_BYTES = 16 * 1024 * 1024

/**
 * Bytes of one whole response body. A real response (at most ~128k output tokens, streamed as deltas
 * of a few characters in ~150 bytes of JSON each, plus its items and the completed event repeating
 * them) stays under 25 MB; past this the stream is cut, so the items a turn keeps stay bounded too.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024

/**
 * Bytes of the images `view_image` attaches over a whole conversation. Each stays in the history and is
 * sent again, base64, with every later request: 30 calls on a 20 MiB file took the server to 2 GiB and
 * stalled it for 20 s. 32 MiB holds one image of the per-image maximum, or a hundred screenshots.
 */
export const MAX_CONVERSATION_IMAGE_BYTES = 32 * 1024 * 1024

/**
 * Characters of a conversation's whole history (every item's text, arguments, outputs and image data),
 * which stays in memory and is resent with every request: a model answering with large items turn
 * after turn would grow it without end. 8 times the largest context window (~1M tokens); past it the
 * oldest contents are elided (`HistoryBound`).
 */
export const MAX_HISTORY_CHARS = 32 * 1024 * 1024

/** Output items (messages, reasoning, calls) of one response: the turn keeps each of them. */
export const MAX_OUTPUT_ITEMS_PER_RESPONSE = 256

/** Characters of text or reasoning one chat completion may accumulate (both arrive as deltas). */
export const MAX_RESPONSE_TEXT_CHARS = 8 * 1024 * 1024

/**
 * Tool calls in one response. We ask for one call at a time; a provider that sends several anyway
 * gets a generous margin, a flood of tiny calls gets an error.
 */
export const MAX_TOOL_CALLS_PER_RESPONSE = 128

/** Steps of an `update_plan` call: real plans have a handful; each step becomes part of a client event. */
export const MAX_PLAN_STEPS = 256

/** Hunks (file sections) of one patch: a patch touching thousands of files is not an edit. */
export const MAX_PATCH_HUNKS = 4096

/** `@@` chunks of one patch, summed over its files (the benchmark's 1,000-hunk patch is well inside). */
export const MAX_PATCH_CHUNKS = 16_384

/**
 * A command's argv: items, and characters in all. Linux refuses an argv over about 2 MiB
 * (`ARG_MAX`, environment included) anyway; refusing earlier gives the model a clear message
 * instead of `E2BIG`, and keeps huge argvs out of events and logs.
 */
export const MAX_ARGV_ITEMS = 16_384
export const MAX_ARGV_CHARS = 1024 * 1024

/**
 * Nesting of the JSON arguments of an MCP tool (parsed to objects, put in events and requests).
 * `JSON.parse` takes any depth, but `JSON.stringify` overflows the stack around 5,000 levels;
 * real tool schemas nest a handful of levels.
 */
export const MAX_ARGUMENT_DEPTH = 64

/**
 * `write_stdin`: characters of one write, and bytes written to a session but not yet read by its
 * command (what Node queues once the pipe is full). A command that never reads its stdin would
 * otherwise hold every write in the server's memory; real input is keystrokes or a pasted file.
 */
export const MAX_STDIN_WRITE_CHARS = 256 * 1024
export const MAX_PENDING_STDIN_BYTES = 1024 * 1024

/**
 * `request_user_input`: options per question (the spec asks for 2–3) and characters of each text shown
 * to the user (a header, a question, a label, a description): each becomes part of a client's form.
 */
export const MAX_USER_INPUT_OPTIONS = 16
export const MAX_USER_INPUT_TEXT_CHARS = 4096

/** A path the model names (`view_image`, `workdir`): Linux's `PATH_MAX`. */
export const MAX_PATH_CHARS = 4096

/** "<what>: too large (<n> <unit>, the limit is <max>)": the wording every cap uses. */
export const overLimit = (what: string, size: number, max: number, unit: string) =>
  `${what}: too large (${size} ${unit}, the limit is ${max})`
