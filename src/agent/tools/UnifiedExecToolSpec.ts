/**
 * `exec_command` and `write_stdin` as the model sees them: the reference's descriptions and parameters
 * (alphabetical, as it emits them), so a model prompted for the reference's tools finds them here.
 * `prefix_rule` is accepted and ignored: approvals for the session are per command here.
 */
import { Schema } from "effect"
import { type FunctionToolSpec, functionParameters } from "../../model/Prompt.js"

const maxOutputTokens = Schema.Finite.annotate({
  description: "Output token budget. Defaults to 10000 tokens; larger requests may be capped by policy."
})

const ExecCommandParameters = Schema.Struct({
  cmd: Schema.String.annotate({ description: "Shell command to execute." }),
  justification: Schema.optionalKey(Schema.String.annotate({
    description: "User-facing approval question for `require_escalated`; omit otherwise."
  })),
  login: Schema.optionalKey(Schema.Boolean.annotate({
    description: "True runs the shell with -l/-i semantics; false disables them. Defaults to true."
  })),
  max_output_tokens: Schema.optionalKey(maxOutputTokens),
  prefix_rule: Schema.optionalKey(Schema.Array(Schema.String).annotate({
    description: "Reusable approval prefix for `cmd`, only with `sandbox_permissions: \"require_escalated\"`; for example [\"git\", \"pull\"]."
  })),
  sandbox_permissions: Schema.optionalKey(Schema.Literals(["use_default", "require_escalated"]).annotate({
    description: "Per-command sandbox override. Defaults to `use_default`; use `require_escalated` for unsandboxed execution."
  })),
  shell: Schema.optionalKey(Schema.String.annotate({ description: "Shell binary to launch. Defaults to the user's default shell." })),
  tty: Schema.optionalKey(Schema.Boolean.annotate({
    description: "True allocates a PTY for the command; false or omitted uses plain pipes."
  })),
  workdir: Schema.optionalKey(Schema.String.annotate({ description: "Working directory for the command. Defaults to the turn cwd." })),
  yield_time_ms: Schema.optionalKey(Schema.Finite.annotate({
    description: "Wait before yielding output. Defaults to 10000 ms; effective range is 250-30000 ms."
  }))
})

const WriteStdinParameters = Schema.Struct({
  chars: Schema.optionalKey(Schema.String.annotate({
    description: "Bytes to write to stdin. Defaults to empty, which polls without writing."
  })),
  max_output_tokens: Schema.optionalKey(maxOutputTokens),
  session_id: Schema.Finite.annotate({ description: "Identifier of the running unified exec session." }),
  yield_time_ms: Schema.optionalKey(Schema.Finite.annotate({
    description: "Wait before yielding output. Non-empty writes default to 250 ms and cap at 30000 ms; empty polls wait 5000-300000 ms by default."
  }))
})

export const execCommandToolSpec: FunctionToolSpec = {
  type: "function",
  name: "exec_command",
  description: "Runs a command in a PTY, returning output or a session ID for ongoing interaction.",
  strict: false,
  parameters: functionParameters(ExecCommandParameters)
}

export const writeStdinToolSpec: FunctionToolSpec = {
  type: "function",
  name: "write_stdin",
  description: "Writes characters to an existing unified exec session and returns recent output.",
  strict: false,
  parameters: functionParameters(WriteStdinParameters)
}

/** The arguments as read: the offered parameters, nulls accepted as absent. */
export const ExecCommandArgs = Schema.Struct({
  cmd: Schema.String,
  workdir: Schema.optionalKey(Schema.NullOr(Schema.String)),
  shell: Schema.optionalKey(Schema.NullOr(Schema.String)),
  login: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  tty: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  yield_time_ms: Schema.optionalKey(Schema.NullOr(Schema.Finite)),
  max_output_tokens: Schema.optionalKey(Schema.NullOr(Schema.Finite)),
  sandbox_permissions: Schema.optionalKey(Schema.NullOr(Schema.Literals(["use_default", "require_escalated"]))),
  justification: Schema.optionalKey(Schema.NullOr(Schema.String)),
  prefix_rule: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.String)))
})

export const WriteStdinArgs = Schema.Struct({
  session_id: Schema.Finite,
  chars: Schema.optionalKey(Schema.NullOr(Schema.String)),
  yield_time_ms: Schema.optionalKey(Schema.NullOr(Schema.Finite)),
  max_output_tokens: Schema.optionalKey(Schema.NullOr(Schema.Finite))
})
