/**
 * `view_image`: the model asks to see a local image; it is attached to the task's next request as
 * an `input_image` data URL. The path is the model's, so it is read like any untrusted file (a
 * regular file, at most `IMAGE_MAX_BYTES`, off the event loop), never from CODEX_HOME (which
 * commands cannot see either), and only when its first bytes say it is an image the API accepts.
 */
import { realpath } from "node:fs/promises"
import { resolve } from "node:path"
import { Effect, Schema } from "effect"
import { readUntrustedFile } from "../../files/UntrustedFile.js"
import { MAX_CONVERSATION_IMAGE_BYTES, MAX_PATH_CHARS, overLimit } from "../../model/ModelOutputLimits.js"
import { codexHomeProtectedPaths } from "../exec/CodexHomeMask.js"
import { readableForModel } from "../../files/ModelReadable.js"
import { isInsideOrEqual } from "../../files/RealPaths.js"
import { IMAGE_MAX_BYTES } from "../InputMessages.js"
import type { Tool } from "../Tool.js"

const ViewImageArgs = Schema.Struct({ path: Schema.String })
const decodeArgs = Schema.decodeUnknownResult(Schema.fromJsonString(ViewImageArgs))

/** The image formats the Responses API takes, by their signatures. */
const imageMimeOf = (bytes: Buffer): string | undefined => {
  const starts = (signature: ReadonlyArray<number>, at = 0) => signature.every((byte, index) => bytes[at + index] === byte)
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png"
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg"
  if (starts([0x47, 0x49, 0x46, 0x38])) return "image/gif"
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp"
  return undefined
}

/** The real path of `path`, unless it lies in CODEX_HOME (outside a workspace kept there, `cwd`). */
const allowedPath = (path: string, codexHome: string, cwd: string) =>
  Effect.tryPromise({ try: () => realpath(path), catch: () => `${path}: no such file` }).pipe(
    Effect.flatMap((real) =>
      Effect.tryPromise({
        try: () => Promise.all(codexHomeProtectedPaths(codexHome, [cwd], [real]).map((protectedPath) => realpath(protectedPath).catch(() => protectedPath))),
        catch: () => `${path}: cannot be checked`
      }).pipe(Effect.flatMap((protectedPaths) =>
        protectedPaths.some((protectedPath) => isInsideOrEqual(protectedPath, real))
          ? Effect.fail(`${path}: the agent's own files (CODEX_HOME) cannot be attached`)
          : Effect.succeed(real)
      ))
    )
  )

export const viewImageTool: Tool = {
  name: "view_image",
  spec: {
    type: "function",
    name: "view_image",
    description: "Attach a local image (by filesystem path) to the conversation context for this turn.",
    strict: false,
    parameters: {
      type: "object",
      properties: { path: { type: "string", description: "Local filesystem path to an image file" } },
      required: ["path"],
      additionalProperties: false
    }
  },
  run: (call, context) =>
    Effect.gen(function*() {
      const args = decodeArgs(call.input)
      if (args._tag === "Failure") return `failed to parse function arguments: ${args.failure.message.replace(/\n\s*/g, " ")}`
      if (args.success.path.length > MAX_PATH_CHARS) return `unable to attach image: ${overLimit("the path", args.success.path.length, MAX_PATH_CHARS, "characters")}`
      const path = resolve(context.turn.cwd, args.success.path)
      // Every image stays in the history and goes out with each later request: the conversation has a budget.
      const attached = context.session.attachedImages
      const left = MAX_CONVERSATION_IMAGE_BYTES - attached.bytes
      const bytes = yield* allowedPath(path, context.turn.config.codexHome, context.turn.cwd).pipe(
        // Checked again on the descriptor: a component of `real` swapped meanwhile must not lead to a secret.
        Effect.flatMap((real) =>
          readUntrustedFile(real, { maxBytes: Math.min(IMAGE_MAX_BYTES, Math.max(left, 0)) }, readableForModel(context.turn.config.codexHome)).pipe(
            Effect.mapError((error) =>
              error.problem === "too-large" && left < IMAGE_MAX_BYTES
                ? `${overLimit("the conversation's images", attached.bytes, MAX_CONVERSATION_IMAGE_BYTES, "bytes attached already")}; this one does not fit`
                : error.message
            )
          )
        )
      )
      const mime = imageMimeOf(bytes)
      if (mime === undefined) return yield* Effect.fail(`${path}: not a PNG, JPEG, GIF or WebP image`)
      attached.bytes += bytes.length
      yield* context.queueInput([{ type: "image", image_url: `data:${mime};base64,${bytes.toString("base64")}` }])
      return "attached local image path"
    }).pipe(Effect.catch((reason) => Effect.succeed(`unable to attach image: ${reason}`)))
}
