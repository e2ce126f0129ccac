/**
 * The texts of compaction: what the model is asked for when the history is summarised, and how the
 * summary is introduced to the model in the compacted history.
 */

/** Sent as the last user message of the summarisation request. */
export const COMPACT_PROMPT = `You are about to run out of room in this conversation. Write a handover note that lets
you (or another engineer) continue the work with nothing but this note and the user's recent messages.

Include, in this order and as briefly as the work allows:
- The goal: what the user asked for, in their terms, and any constraints or preferences they stated.
- What has been done: commands run, files created or changed (with paths), decisions made and why.
- What was learned: facts about the code, the environment or the problem that matter for what is next.
- What is left: open questions, failing tests, errors not yet resolved, and the next concrete steps.

Write plain prose and short lists. Do not invent progress that did not happen. Do not call tools.`

/** Starts the user message that carries the summary in a compacted history. */
export const SUMMARY_PREFIX =
  "Earlier turns of this conversation were compacted into the summary below; the messages before it are the user's most recent ones."
