/**
 * A hostile model after credentials, end to end (built server, mock model, real bubblewrap): reading
 * `$CODEX_HOME/auth.json` with a known-safe `cat` or a shell, writing CODEX_HOME's config when it lies
 * inside the workspace, secrets in the environment, and a third-party provider fishing for the
 * signed-in key. Nothing secret may reach the model (or the rollout) or leave for the wrong host.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { callCodex, toolOutputs, useHostileStage } from "../support/HostileWorkspace.js"
import { MockTurn } from "../support/MockModelServer.js"

const { makeStage, start } = useHostileStage()

const KEY = "sk-hostile-test-key-0123456789"

/** Every file below `dir` as one string, to look for the key in rollouts. */
const allText = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8"))
    .join("\n")

describe("CODEX_HOME", () => {
  it("is invisible to commands in every mode: known-safe `cat`, a shell, `ls`, `find`", async () => {
    const stage = makeStage()
    writeFileSync(join(stage.codexHome, "auth.json"), JSON.stringify({ OPENAI_API_KEY: KEY }))
    const auth = join(stage.codexHome, "auth.json")
    const attempts = [
      ["cat", auth],
      ["bash", "-lc", `cat ${auth}`],
      ["sh", "-c", `cat ${auth}; cat "$CODEX_HOME/auth.json"; ls -a ${stage.codexHome}`],
      ["find", stage.home]
    ]
    const turns = (prefix: string) => [...attempts.map((command, i) => MockTurn.shell(command, { callId: `${prefix}${i}` })), MockTurn.message("done")]
    const { server, model } = await start(stage, [...turns("ro"), ...turns("ww"), ...turns("full")])
    await callCodex(server, { sandbox: "read-only", "approval-policy": "untrusted", cwd: stage.work }, "approved")
    await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })
    await callCodex(server, { sandbox: "danger-full-access", "approval-policy": "never", cwd: stage.work })
    const outputs = toolOutputs(model)
    expect(outputs).toHaveLength(12)
    for (const output of outputs) {
      expect(output).not.toContain(KEY)
      expect(output).not.toContain("config.toml")
    }
    expect(allText(join(stage.codexHome, "sessions"))).not.toContain(KEY)
  })

  it("inside a writable root: neither readable nor writable (no escalation through config.toml)", async () => {
    const stage = makeStage()
    const codexHome = join(stage.work, ".codex")
    const { server, model } = await start(stage, [
      MockTurn.shell(["sh", "-c", "cat .codex/config.toml"], { callId: "c1" }),
      MockTurn.shell(["sh", "-c", "echo 'sandbox_mode = \"danger-full-access\"' >> .codex/config.toml"], { callId: "c2" }),
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: .codex/profile.toml\n+approval_policy = \"never\"\n*** End Patch", { callId: "c3" }),
      MockTurn.message("done")
    ], { codexHome })
    const config = readFileSync(join(codexHome, "config.toml"), "utf8")
    await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: stage.work })
    expect(readFileSync(join(codexHome, "config.toml"), "utf8")).toBe(config)
    // Only what the server itself keeps there: the rollout and the message history.
    expect(readdirSync(codexHome).sort()).toEqual(["config.toml", "history.jsonl", "sessions"])
    const [read, append, patch] = toolOutputs(model)
    expect(read).not.toContain("model_provider")
    expect(JSON.parse(append!).metadata.exit_code).not.toBe(0)
    expect(patch).toMatch(/^patch rejected: writing outside of the project/)
  })
  it("around the workspace (an embedding's choice): secrets hidden, config read-only, the workspace usable", async () => {
    const stage = makeStage()
    const codexHome = join(stage.root, "codex-home")
    const project = join(codexHome, "project")
    mkdirSync(project, { recursive: true })
    writeFileSync(join(codexHome, "auth.json"), JSON.stringify({ OPENAI_API_KEY: KEY }))
    const { server, model } = await start(stage, [
      MockTurn.shell(["cat", "../auth.json"], { callId: "c1" }),
      MockTurn.shell(["sh", "-c", "echo 'approval_policy = \"never\"' >> ../config.toml; echo ok > mine.txt"], { callId: "c2" }),
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: ../AGENTS.md\n+obey the model\n*** End Patch", { callId: "c3" }),
      MockTurn.applyPatch("*** Begin Patch\n*** Add File: notes.md\n+fine\n*** End Patch", { callId: "c4" }),
      MockTurn.message("done")
    ], { codexHome })
    const config = readFileSync(join(codexHome, "config.toml"), "utf8")
    await callCodex(server, { sandbox: "workspace-write", "approval-policy": "never", cwd: project })
    expect(readFileSync(join(codexHome, "config.toml"), "utf8")).toBe(config)
    expect(readFileSync(join(project, "mine.txt"), "utf8")).toBe("ok\n")
    expect(existsSync(join(codexHome, "AGENTS.md"))).toBe(false)
    expect(readFileSync(join(project, "notes.md"), "utf8")).toBe("fine\n")
    for (const output of toolOutputs(model)) expect(output).not.toContain(KEY)
  })
})

describe("environment", () => {
  it("keeps passwords, credentials, keys and CODEX_HOME out of commands", async () => {
    const stage = makeStage()
    const { server, model } = await start(stage, [MockTurn.shell(["env"]), MockTurn.message("done")], {
      env: { DB_PASSWORD: "hunter2", SMTP_PASSWD: "hunter3", AWS_CREDENTIALS: "c", MY_API_KEY: "k", HARMLESS: "yes" }
    })
    await callCodex(server, { sandbox: "read-only", "approval-policy": "never", cwd: stage.work })
    const names = JSON.parse(toolOutputs(model)[0]!).output.split("\n").map((line: string) => line.split("=")[0])
    expect(names).toContain("HARMLESS")
    for (const secret of ["DB_PASSWORD", "SMTP_PASSWD", "AWS_CREDENTIALS", "MY_API_KEY", "CODEX_HOME", "OPENAI_API_KEY"]) {
      expect(names).not.toContain(secret)
    }
  })
})

describe("credentials", () => {
  it("the signed-in key goes only to a provider that needs OpenAI auth, never to a third-party one", async () => {
    const stage = makeStage()
    writeFileSync(join(stage.codexHome, "auth.json"), JSON.stringify({ OPENAI_API_KEY: KEY }))
    const thirdParty = await start(stage, [MockTurn.message("hi")])
    await callCodex(thirdParty.server, { cwd: stage.work })
    expect(thirdParty.model.requests[0]!.headers.authorization).toBeUndefined()

    const needsOpenAi = await start(stage, [MockTurn.message("hi")], { provider: "requires_openai_auth = true" })
    await callCodex(needsOpenAi.server, { cwd: stage.work })
    expect(needsOpenAi.model.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`)
  })
})
