/**
 * The apply_patch tool as the model sees it: the function tool's exact JSON, the
 * freeform tool's grammar, and a description whose example is a patch our parser accepts.
 */
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import {
  APPLY_PATCH_FUNCTION_DESCRIPTION,
  APPLY_PATCH_LARK_GRAMMAR,
  applyPatchFreeformToolSpec,
  applyPatchFunctionToolSpec
} from "../../src/agent/patch/ApplyPatchToolSpec.js"
import { parsePatch } from "../../src/agent/patch/PatchParser.js"

describe("apply_patch tool specs", () => {
  it("the function tool has the reference's name, flags and schema", () => {
    expect(JSON.parse(JSON.stringify(applyPatchFunctionToolSpec))).toEqual({
      type: "function",
      name: "apply_patch",
      description: APPLY_PATCH_FUNCTION_DESCRIPTION,
      strict: false,
      parameters: {
        type: "object",
        properties: { input: { type: "string", description: "The entire contents of the apply_patch command" } },
        required: ["input"],
        additionalProperties: false
      }
    })
  })

  it("the freeform tool carries the Lark grammar", () => {
    expect(applyPatchFreeformToolSpec).toMatchObject({
      type: "custom",
      name: "apply_patch",
      format: { type: "grammar", syntax: "lark", definition: APPLY_PATCH_LARK_GRAMMAR }
    })
    for (const marker of ["*** Begin Patch", "*** End Patch", "*** Add File: ", "*** Delete File: ", "*** Update File: ", "*** Move to: ", "*** End of File", "\"@@ \""]) {
      expect(APPLY_PATCH_LARK_GRAMMAR).toContain(marker)
    }
  })

  it("the description's example is a valid patch", () => {
    const example = /^\*\*\* Begin Patch\n[\s\S]*?\n\*\*\* End Patch$/m.exec(APPLY_PATCH_FUNCTION_DESCRIPTION.slice(APPLY_PATCH_FUNCTION_DESCRIPTION.indexOf("Example:")))
    expect(example).not.toBeNull()
    const hunks = parsePatch(example![0])
    expect(Result.isSuccess(hunks) && hunks.success.map((hunk) => hunk._tag)).toEqual(["AddFile", "UpdateFile", "DeleteFile"])
  })
})
