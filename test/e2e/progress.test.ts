/**
 * A model that thinks longer than the client's request time-out: with a `progressToken`, the server
 * keeps the call alive with `notifications/progress`, so the official SDK client (which resets its
 * time-out on progress when asked to) waits for the answer instead of cancelling. The heartbeat's
 * interval is shortened through CODEX_EFFECT_PROGRESS_INTERVAL_MS so the test takes seconds, not minutes.
 */
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Progress } from "@modelcontextprotocol/sdk/types.js"
import { afterEach, describe, expect, it } from "vitest"
import { type MockModelServer, MockTurn, mockConfigToml, startMockModelServer } from "../support/MockModelServer.js"
import { connectSdkClient, type SdkConnection } from "../support/SdkClient.js"
import { makeTempDir } from "../support/ServerProcess.js"

const CLIENT_TIMEOUT_MS = 3_000
const MODEL_SILENCE_MS = 5_000

let sdk: SdkConnection | undefined
let model: MockModelServer | undefined
afterEach(async () => {
  await sdk?.close()
  await model?.close()
  if (sdk !== undefined) rmSync(sdk.codexHome, { recursive: true, force: true })
  sdk = model = undefined
})

describe("a silent model and the client's request time-out", () => {
  it("completes a call whose model says nothing for longer than the time-out, heartbeat after heartbeat", async () => {
    model = await startMockModelServer([MockTurn.delay(MODEL_SILENCE_MS, MockTurn.message("thought it through"))])
    const codexHome = makeTempDir("codex-home-")
    writeFileSync(join(codexHome, "config.toml"), mockConfigToml(model.url))
    sdk = await connectSdkClient({ codexHome, env: { CODEX_EFFECT_PROGRESS_INTERVAL_MS: "1000" } })

    const progress: Array<Progress> = []
    const started = Date.now()
    const result = await sdk.client.callTool({ name: "codex", arguments: { prompt: "think hard" } }, undefined, {
      timeout: CLIENT_TIMEOUT_MS,
      resetTimeoutOnProgress: true,
      onprogress: (notification) => progress.push(notification)
    })
    expect(Date.now() - started).toBeGreaterThan(CLIENT_TIMEOUT_MS)
    expect(result.content).toEqual([{ type: "text", text: "thought it through" }])
    const heartbeats = progress.filter((p) => p.message?.startsWith("Working…"))
    expect(heartbeats.length).toBeGreaterThanOrEqual(3)
    expect(progress.map((p) => p.progress)).toEqual(progress.map((_, index) => index + 1))
  }, 20_000)
})
