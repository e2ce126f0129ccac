/**
 * The JSONL events `exec --json` prints, as the official Codex SDK (`@openai/codex-sdk`) types them
 * (`ThreadEvent`, `ThreadItem`) and the reference `codex exec` writes them. Where the two differ the
 * reference's output wins, since SDK users read what it prints: a command starts with `exit_code: null`,
 * and a file change starts `in_progress`.
 */

export type CommandExecutionItem = {
  readonly id: string
  readonly type: "command_execution"
  /** The command line, shell-quoted. */
  readonly command: string
  readonly aggregated_output: string
  readonly exit_code: number | null
  readonly status: "in_progress" | "completed" | "failed"
}

export type FileChangeItem = {
  readonly id: string
  readonly type: "file_change"
  /** Absolute paths. */
  readonly changes: ReadonlyArray<{ readonly path: string; readonly kind: "add" | "delete" | "update" }>
  readonly status: "in_progress" | "completed" | "failed"
}

export type McpToolCallItem = {
  readonly id: string
  readonly type: "mcp_tool_call"
  readonly server: string
  readonly tool: string
  readonly arguments: unknown
  readonly result?: { readonly content: ReadonlyArray<unknown>; readonly structured_content: unknown }
  readonly error?: { readonly message: string }
  readonly status: "in_progress" | "completed" | "failed"
}

export type ThreadItem =
  | { readonly id: string; readonly type: "agent_message"; readonly text: string }
  | { readonly id: string; readonly type: "reasoning"; readonly text: string }
  | CommandExecutionItem
  | FileChangeItem
  | McpToolCallItem
  | { readonly id: string; readonly type: "web_search"; readonly query: string }
  | {
    readonly id: string
    readonly type: "todo_list"
    readonly items: ReadonlyArray<{ readonly text: string; readonly completed: boolean }>
  }
  | { readonly id: string; readonly type: "error"; readonly message: string }

/** Token counts of the whole thread so far. */
export type Usage = {
  readonly input_tokens: number
  readonly cached_input_tokens: number
  readonly cache_write_input_tokens: number
  readonly output_tokens: number
  readonly reasoning_output_tokens: number
}

export type ThreadEvent =
  | { readonly type: "thread.started"; readonly thread_id: string }
  | { readonly type: "turn.started" }
  | { readonly type: "turn.completed"; readonly usage: Usage }
  | { readonly type: "turn.failed"; readonly error: { readonly message: string } }
  | { readonly type: "item.started"; readonly item: ThreadItem }
  | { readonly type: "item.updated"; readonly item: ThreadItem }
  | { readonly type: "item.completed"; readonly item: ThreadItem }
  | { readonly type: "error"; readonly message: string }
