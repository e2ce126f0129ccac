import { connectSdkClient } from "../support/SdkClient.js"
import { startMockModelServer, MockTurn, mockConfigToml } from "../support/MockModelServer.js"
import { makeTempDir } from "../support/TempDirs.js"
import { writeFileSync } from "node:fs"
import { it } from "vitest"
it("try", async () => {
const url = process.env.PGURL!
const mock = await startMockModelServer([MockTurn.message("ack1"), MockTurn.message("ack2")])
const home = makeTempDir("home-")
writeFileSync(home + "/config.toml", mockConfigToml(mock.url))
const a = await connectSdkClient({ codexHome: home, args: ["mcp", "--cluster", url, "--runner-address", "127.0.0.1:41001"], env: { CODEX_EFFECT_LOG: "info" } })
const b = await connectSdkClient({ codexHome: home, args: ["mcp", "--cluster", url, "--runner-address", "127.0.0.1:41002"], env: { CODEX_EFFECT_LOG: "info" } })
try {
  const r1: any = await a.client.callTool({ name: "codex", arguments: { prompt: "hello", cwd: home } })
  console.log("r1", JSON.stringify(r1.structuredContent))
  const r2: any = await b.client.callTool({ name: "codex-reply", arguments: { prompt: "again", threadId: r1.structuredContent.threadId } })
  console.log("r2", JSON.stringify(r2.structuredContent))
  console.log(JSON.stringify(mock.requests[1].body.input).slice(0, 2000))
} finally {
  console.log("A stderr", a.stderr().slice(-3000))
  console.log("B stderr", b.stderr().slice(-3000))
  await a.close(); await b.close(); await mock.close()
}
}, 60000)
