/** Reading a client's answer to a question form and to a configured server's form: what counts as an answer. */
import { assert, describe, it } from "@effect/vitest"
import { mcpElicitAnswer, userInputAnswers } from "../../src/faces/mcp/UserInputElicitation.js"

const questions = [
  { id: "color", header: "Color", question: "Which color?", options: [] },
  { id: "size", header: "Size", question: "Which size?", options: [] }
]

describe("userInputAnswers", () => {
  it.each([
    ["accepted fields", { action: "accept", content: { color: "Blue", size: "L" } }, { color: { answers: ["Blue"] }, size: { answers: ["L"] } }],
    ["a list answer", { action: "accept", content: { color: ["Red", "Blue"] } }, { color: { answers: ["Red", "Blue"] } }],
    ["blank and non-string fields left out", { action: "accept", content: { color: "  ", size: 3 } }, {}],
    ["fields nobody asked for left out", { action: "accept", content: { other: "x" } }, {}],
    ["declined", { action: "decline" }, {}],
    ["cancelled", { action: "cancel" }, {}],
    ["the reference's decision shape", { decision: "approved" }, {}],
    ["not an object", "yes", {}]
  ] as const)("%s", (_, reply, expected) => {
    assert.deepStrictEqual(userInputAnswers(questions, reply), expected)
  })
})

describe("mcpElicitAnswer", () => {
  it.each([
    ["accept with content", { action: "accept", content: { name: "Ada" } }, { action: "accept", content: { name: "Ada" } }],
    ["accept without content", { action: "accept" }, { action: "accept" }],
    ["accept with an array for content", { action: "accept", content: ["x"] }, { action: "accept" }],
    ["decline", { action: "decline" }, { action: "decline" }],
    ["an unknown action", { action: "maybe" }, { action: "cancel" }],
    ["null", null, { action: "cancel" }]
  ] as const)("%s", (_, reply, expected) => {
    assert.deepStrictEqual(mcpElicitAnswer(reply), expected)
  })
})
