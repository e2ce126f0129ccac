/**
 * `npm run bench [-- --runs N] [-- --with-peer] [-- --only <text>]`: runs every scenario against the
 * built server (and the reference binary, when `CODEX_PEER_BIN` names one or `--with-peer` installs
 * it into .bench/peer), prints one table of medians with min–max and the ratio ours/reference, and
 * writes the numbers to .bench/results.json.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { execScenario } from "./exec.ts"
import { execCommandPatchTurn, type Scenario, scenarios, shellPatchTurn, type Target } from "./scenarios.ts"

const PEER_PACKAGE = "@openai/codex@0.153.4"
const PEER_DIR = resolve(".bench/peer")
const PEER_BIN = join(PEER_DIR, "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex")

const argValue = (name: string) => {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}

const runs = Number(argValue("--runs") ?? 10)
const only = argValue("--only")

/** The reference binary: `CODEX_PEER_BIN`, or installed on demand (never a project dependency). */
const peerBinary = (): string | undefined => {
  if (process.env.CODEX_PEER_BIN !== undefined && process.env.CODEX_PEER_BIN !== "") return process.env.CODEX_PEER_BIN
  if (!process.argv.includes("--with-peer")) return undefined
  if (!existsSync(PEER_BIN)) {
    process.stderr.write(`installing ${PEER_PACKAGE} into ${PEER_DIR}…\n`)
    mkdirSync(PEER_DIR, { recursive: true })
    writeFileSync(join(PEER_DIR, "package.json"), JSON.stringify({ name: "codex-peer", private: true }))
    execFileSync("npm", ["install", "--no-audit", "--no-fund", PEER_PACKAGE], { cwd: PEER_DIR, stdio: "inherit" })
  }
  return PEER_BIN
}

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Samples, or why the scenario could not run for that server. */
type Samples = ReadonlyArray<number> | { readonly failed: string }

interface Row {
  readonly scenario: string
  readonly unit: string
  readonly ours: Samples
  readonly peer: Samples | undefined
}

/**
 * `runs` samples of every metric of the scenario for each target (result[target][metric][run]), or the
 * failure that stopped a target. The targets take turns run by run, so a change in the machine's load
 * falls on both alike.
 */
const sampleAll = async (scenario: Scenario, targets: ReadonlyArray<Target>): Promise<ReadonlyArray<ReadonlyArray<Samples>>> => {
  const samples: Array<Array<Array<number>>> = targets.map(() => scenario.metrics.map(() => []))
  const failures: Array<string | undefined> = targets.map(() => undefined)
  for (let run = 0; run < Math.min(runs, scenario.runs ?? runs); run++) {
    for (const [index, target] of targets.entries()) {
      if (failures[index] !== undefined) continue
      try {
        const values = await scenario.sample(target)
        values.forEach((value, metric) => samples[index]![metric]!.push(value))
      } catch (error) {
        failures[index] = error instanceof Error ? error.message.slice(0, 200) : String(error)
        process.stderr.write(`  ${target.name} failed: ${failures[index]}\n`)
      }
    }
  }
  return targets.map((_, index) => {
    const failed = failures[index]
    return failed === undefined ? samples[index]! : scenario.metrics.map(() => ({ failed }))
  })
}

const format = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1))
const summary = (values: Samples) =>
  "failed" in values ? `failed: ${values.failed}` : `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`
const ratio = (ours: Samples, peer: Samples) =>
  "failed" in ours || "failed" in peer ? "—" : (median(ours) / median(peer)).toFixed(2)

const writeResults = (rows: ReadonlyArray<Row>, peerBin: string | undefined) => {
  mkdirSync(".bench", { recursive: true })
  writeFileSync(
    ".bench/results.json",
    JSON.stringify({ date: new Date().toISOString(), runs, peer: peerBin ?? null, node: process.version, rows }, null, 2)
  )
}

const main = async () => {
  const ours: Target = { name: "codex-effect", command: undefined, patchTurn: shellPatchTurn }
  const peerBin = peerBinary()
  const peer: Target | undefined = peerBin === undefined
    ? undefined
    : { name: "reference", command: { file: peerBin, args: ["mcp-server"] }, patchTurn: execCommandPatchTurn }
  const rows: Array<Row> = []
  for (const scenario of [...scenarios, execScenario]) {
    const names = scenario.metrics.map((metric) => metric.name)
    if (only !== undefined && !names.some((name) => name.includes(only))) continue
    process.stderr.write(`${names.join(", ")}…\n`)
    const withPeer = peer !== undefined && scenario.floor !== true && scenario.oursOnly !== true
    const [oursSamples, peerSamples] = await sampleAll(scenario, withPeer ? [ours, peer] : [ours])
    scenario.metrics.forEach((metric, index) =>
      rows.push({ scenario: metric.name, unit: metric.unit, ours: oursSamples![index]!, peer: peerSamples?.[index] })
    )
    writeResults(rows, peerBin)
  }
  const header = peer === undefined
    ? ["scenario", "unit", `codex-effect median (min–max), ${runs} runs`]
    : ["scenario", "unit", `codex-effect median (min–max), ${runs} runs`, "reference median (min–max)", "ours/ref"]
  const lines = rows.map((row) => {
    const cells = [row.scenario, row.unit, summary(row.ours)]
    if (peer !== undefined) cells.push(...(row.peer === undefined ? ["—", "—"] : [summary(row.peer), ratio(row.ours, row.peer)]))
    return cells
  })
  const table = [header, header.map(() => "---"), ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n")
  process.stdout.write(`${table}\n`)
  process.stderr.write("results written to .bench/results.json\n")
}

await main()
