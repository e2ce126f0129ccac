/**
 * The apply_patch tool as offered to the model: a function tool taking
 * `{"input": "<patch>"}` with a description that teaches the format, or a freeform (custom) tool
 * whose input is constrained by a Lark grammar of the format. Which one is offered is the
 * tool registry's choice (gpt-oss → function; `include_apply_patch_tool` → freeform).
 */
import type { CustomToolSpec, FunctionToolSpec } from "../../model/Prompt.js"

/**
 * The patch format as a Lark grammar. Empty `+`/`-`/` ` lines are allowed (the reference relaxed
 * its grammar to allow them soon after this snapshot, and the parser has always accepted them).
 */
export const APPLY_PATCH_LARK_GRAMMAR = `start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF change_move? change?

filename: /(.+)/
add_line: "+" /(.*)/ LF -> line

change_move: "*** Move to: " filename LF
change: (change_context | change_line)+ eof_line?
change_context: ("@@" | "@@ " /(.+)/) LF
change_line: ("+" | "-" | " ") /(.*)/ LF
eof_line: "*** End of File" LF

%import common.LF
`

/** How to write a patch, for the function tool's description. */
export const APPLY_PATCH_FUNCTION_DESCRIPTION = `Use the \`apply_patch\` tool to edit files. Its input is a patch in a small, file-oriented diff format:

*** Begin Patch
[one or more file sections]
*** End Patch

Each file section starts with one of three headers:
*** Add File: <path> - create a new file. Every following line starts with "+" and is a line of the new file.
*** Delete File: <path> - remove an existing file. Nothing follows.
*** Update File: <path> - change an existing file in place. It may be followed by "*** Move to: <new path>" to rename the file as well.

An Update section holds one or more chunks. A chunk is a run of lines, each starting with a marker:
" " (space) for an unchanged context line, "-" for a line to remove, "+" for a line to add.
Chunks after the first start with a line "@@"; "@@ <text>" names a line (a class or function header) to find first, which narrows down where the chunk applies.

Context rules:
- Show 3 lines of unchanged context before and after each change. If changes are within 3 lines of each other, do not repeat the context between them.
- If 3 lines of context do not identify the place uniquely, add "@@ <class or function line>". Several "@@" lines may be stacked to narrow down further (for example "@@ class Parser" then "@@ def parse(self):").
- End a chunk with "*** End of File" when its lines must be the last lines of the file.

Example:
*** Begin Patch
*** Add File: docs/NOTES.md
+# Notes
+First entry.
*** Update File: src/app.py
*** Move to: src/main.py
@@ def greet(name):
-    print("hi", name)
+    print(f"Hello, {name}!")
*** Delete File: src/legacy.py
*** End Patch

Grammar:
${APPLY_PATCH_LARK_GRAMMAR}
Paths must be relative to the working directory, never absolute. Every line of an added file and every changed line needs its "+", "-" or " " prefix.`

export const applyPatchFunctionToolSpec: FunctionToolSpec = {
  type: "function",
  name: "apply_patch",
  description: APPLY_PATCH_FUNCTION_DESCRIPTION,
  strict: false,
  parameters: {
    type: "object",
    properties: {
      input: { type: "string", description: "The entire contents of the apply_patch command" }
    },
    required: ["input"],
    additionalProperties: false
  }
}

export const applyPatchFreeformToolSpec: CustomToolSpec = {
  type: "custom",
  name: "apply_patch",
  description:
    "Use the `apply_patch` tool to edit files. This is a freeform tool: send the patch text itself (not JSON), " +
    "in the format of the grammar. Paths are relative to the working directory.",
  format: { type: "grammar", syntax: "lark", definition: APPLY_PATCH_LARK_GRAMMAR }
}
