/**
 * The log tells the story of a turn at `--log-level info`: the turn, each model request, the
 * command, the patch and the approvals, one line each, on stderr only; stdout carries nothing but
 * JSON-RPC; the provider's API key never appears; the flag wins over `CODEX_EFFECT_LOG`.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { type MockModelServer, mockConfigToml, MockTurn, startMockModelServer } from "../support/MockModelServer.js"
import { makeTempDir, type ServerProcess, spawnServer } from "../support/ServerProcess.js"

const SECRET = "sk-log-test-0123456789abcdefSECRET"

let cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

const startServer = async (turns: ReadonlyArray<MockTurn>): Promise<{ server: ServerProcess; model: MockModelServer }> => {
  const model = await startMockModelServer(turns)
  const codexHome = makeTempDir("codex-home-")
  cleanup.push(() => model.close(), () => rmSync(codexHome, { recursive: true, force: true }))
  writeFileSync(
    join(codexHome, "config.toml"),
    mockConfigToml(model.url, { wireApi: "responses", provider: `env_key = "LOG_TEST_API_KEY"\nrequest_max_retries = 1\nstream_max_retries = 0` })
  )
  const server = spawnServer({
    codexHome,
    args: ["mcp", "--log-level", "info"],
    env: { CODEX_EFFECT_LOG: "error", LOG_TEST_API_KEY: SECRET, OPENAI_API_KEY: SECRET }
  })
  cleanup.push(async () => {
    server.kill()
    await server.exited
  })
  await server.initialize()
  return { server, model }
}

describe("logging", () => {
  it("logs the turn, model requests, command, patch and approvals at info, on stderr only", async () => {
    const workdir = makeTempDir("codex-work-")
    cleanup.push(() => rmSync(workdir, { recursive: true, force: true }))
    const { server, model } = await startServer([
      MockTurn.status(503),
      MockTurn.shell(["touch", "made by the command.txt"], { workdir, callId: "call-cmd" }),
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: notes.txt\n+logged\n*** End Patch", { workdir, callId: "call-patch" }),
      MockTurn.message("all done")
    ])
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "run a command, then patch" } } })
    for (let answered = 0; answered < 2; answered++) {
      const elicitation = await server.waitForServerRequest("elicitation/create")
      server.send({ id: elicitation.id!, result: { decision: "approved" } })
    }
    const answer = await server.waitFor((m) => m.id === 1, "the codex tool result")
    expect(answer.result.content).toEqual([{ type: "text", text: "all done" }])
    expect(readFileSync(join(workdir, "notes.txt"), "utf8")).toBe("logged\n")
    await server.waitForStderr(/message="turn completed"/)

    const lines = server.stderr.split("\n")
    const line = (message: string, ...fields: ReadonlyArray<string>) => {
      const found = lines.filter((l) => l.includes(`message="${message}"`) && fields.every((f) => l.includes(f)))
      expect(found, `a "${message}" line with ${fields.join(" ")}\nstderr:\n${server.stderr}`).toHaveLength(1)
      return found[0]!
    }
    line("turn started", "level=INFO", "model=mock-model", "provider=mock_provider", "prompt=\"run a command, then patch\"")
    line("model request failed; retrying", "level=WARN", "status=503", "retry=1", "provider=mock_provider")
    const completed = lines.filter((l) => l.includes(`message="model request completed"`))
    expect(completed).toHaveLength(3)
    for (const l of completed) expect(l).toMatch(/status=200 duration_ms=\d+ input_tokens=10 output_tokens=5/)
    line("approval requested", "kind=exec", "call_id=call-cmd", `argv="touch 'made by the command.txt'"`)
    line("approval answered", "kind=exec", "decision=approved")
    line("command finished", "call_id=call-cmd", "exit_code=0", `cwd=${workdir}`, "sandbox=", "duration_ms=")
    line("approval requested", "kind=patch", "call_id=call-patch", "notes.txt")
    line("approval answered", "kind=patch", "decision=approved")
    line("patch applied", "call_id=call-patch", join(workdir, "notes.txt"))
    line("turn completed", "duration_ms=", "input_tokens=30", "output_tokens=15", "conversation=")
    // Every line of the turn names its conversation.
    for (const l of lines.filter((l) => /message="(turn|command|patch|approval)/.test(l))) expect(l).toContain("conversation=")
    // Only info and above: CODEX_EFFECT_LOG=error lost to the flag, and debug lines are filtered.
    expect(lines.some((l) => l.includes("level=DEBUG"))).toBe(false)

    expect(server.messages.filter((m) => m.method === "<<non-JSON line on stdout>>")).toEqual([])
    expect(server.stderr).not.toContain(SECRET)
    expect(model.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`)
  })

  it("logs a turn that fails, with the model's error", async () => {
    const { server } = await startServer([MockTurn.status(400)])
    server.send({ id: 1, method: "tools/call", params: { name: "codex", arguments: { prompt: "fail" } } })
    await server.waitFor((m) => m.id === 1, "the codex tool result")
    await server.waitForStderr(/message="turn failed"/)
    const failed = server.stderr.split("\n").find((l) => l.includes(`message="turn failed"`))!
    expect(failed).toContain("level=ERROR")
    expect(failed).toContain("unexpected status 400")
    expect(server.stderr).toMatch(/message="model request failed".*status=400/)
    expect(server.stderr).not.toContain(SECRET)
  })
})
