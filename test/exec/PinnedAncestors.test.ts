/** Which directories keep a path in place: those between the outermost writable root holding it and the path. */
import { assert, describe, it } from "@effect/vitest"
import { ancestorsToPin } from "../../src/agent/exec/PinnedAncestors.js"

describe("ancestorsToPin", () => {
  it("every directory strictly between the outermost root and the path, outermost first", () => {
    assert.deepStrictEqual(ancestorsToPin("/tmp/a/b/home", ["/tmp"]), ["/tmp/a", "/tmp/a/b"])
    // A root nested on the way is pinned too: a root's own parent could otherwise be renamed.
    assert.deepStrictEqual(ancestorsToPin("/tmp/a/b/home", ["/tmp/a/b", "/tmp"]), ["/tmp/a", "/tmp/a/b"])
    assert.deepStrictEqual(ancestorsToPin("/tmp/home", ["/tmp"]), [])
  })

  it("nothing when no writable root holds the path, or the path is a root itself", () => {
    assert.deepStrictEqual(ancestorsToPin("/home/me/.codex", ["/tmp", "/work/repo"]), [])
    assert.deepStrictEqual(ancestorsToPin("/tmp", ["/tmp"]), [])
    assert.deepStrictEqual(ancestorsToPin("/tmpx/home", ["/tmp"]), [])
  })
})
