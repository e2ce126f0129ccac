/**
 * A network a test builds for itself, to cut one process off from the others: a bridge on this machine
 * with an address of its own (the hub, where PostgreSQL and the mock model listen) and one network
 * namespace per host, each joined to the bridge by a veth pair. `cut(i)` takes host i's link down (it
 * reaches nothing, nothing reaches it, its connections stay open as in a real partition); `heal(i)` brings
 * it back. Only names and addresses made here are touched; `remove()` deletes them all.
 * Needs root and `ip` (iproute2; `.ci/run` installs it).
 */
import { execFileSync, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"

const ip = (...args: ReadonlyArray<string>) => execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 })

/** Why this machine cannot build a test network, or undefined when it can. */
export const testNetworkUnavailable = (): string | undefined => {
  const name = `cxprobe${randomBytes(3).toString("hex")}`
  const added = spawnSync("ip", ["netns", "add", name], { encoding: "utf8", timeout: 10_000 })
  if (added.error !== undefined) return `cannot run ip: ${added.error.message}`
  if (added.status !== 0) return `ip netns add fails: ${added.stderr.trim()}`
  spawnSync("ip", ["netns", "del", name], { timeout: 10_000 })
  return undefined
}

export interface TestNetwork {
  /** The bridge's address on this machine, e.g. 10.232.17.1. */
  readonly hub: string
  /** The network in CIDR form, e.g. 10.232.17.0/24. */
  readonly network: string
  /** Host i's address inside its namespace. */
  readonly address: (i: number) => string
  /** Runs `file args` inside host i's namespace (a `ServerProcess` command). */
  readonly command: (i: number, file: string, args: ReadonlyArray<string>) => { file: string; args: Array<string> }
  readonly cut: (i: number) => void
  readonly heal: (i: number) => void
  readonly remove: () => void
}

export const createTestNetwork = (hosts: number): TestNetwork => {
  const tag = randomBytes(2).toString("hex")
  // A /24 no interface on this machine uses yet.
  const used = execFileSync("ip", ["-4", "-o", "addr"], { encoding: "utf8" })
  const free = Array.from({ length: 254 }, (_, k) => k + 1).filter((k) => !used.includes(` 10.232.${k}.`))
  const octet = free[randomBytes(1)[0]! % free.length]!
  const prefix = `10.232.${octet}`
  const bridge = `cx${tag}br`
  const namespace = (i: number) => `cx${tag}n${i}`
  const outer = (i: number) => `cx${tag}h${i}`
  const made: Array<() => void> = []
  const remove = () => {
    for (const undo of made.splice(0).reverse()) {
      try {
        undo()
      } catch {
        // Already gone (deleting a namespace deletes its veth pair).
      }
    }
  }
  try {
    ip("link", "add", bridge, "type", "bridge")
    made.push(() => ip("link", "del", bridge))
    ip("addr", "add", `${prefix}.1/24`, "dev", bridge)
    ip("link", "set", bridge, "up")
    for (let i = 0; i < hosts; i++) {
      ip("netns", "add", namespace(i))
      made.push(() => ip("netns", "del", namespace(i)))
      const inner = `cx${tag}i${i}`
      ip("link", "add", outer(i), "type", "veth", "peer", "name", inner)
      made.push(() => ip("link", "del", outer(i)))
      ip("link", "set", outer(i), "master", bridge)
      ip("link", "set", outer(i), "up")
      ip("link", "set", inner, "netns", namespace(i))
      ip("-n", namespace(i), "addr", "add", `${prefix}.${i + 2}/24`, "dev", inner)
      ip("-n", namespace(i), "link", "set", inner, "up")
      ip("-n", namespace(i), "link", "set", "lo", "up")
    }
  } catch (error) {
    remove()
    throw error
  }
  return {
    hub: `${prefix}.1`,
    network: `${prefix}.0/24`,
    address: (i) => `${prefix}.${i + 2}`,
    command: (i, file, args) => ({ file: "ip", args: ["netns", "exec", namespace(i), file, ...args] }),
    cut: (i) => void ip("link", "set", outer(i), "down"),
    heal: (i) => void ip("link", "set", outer(i), "up"),
    remove
  }
}
