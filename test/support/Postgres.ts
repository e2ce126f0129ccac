/**
 * A throwaway PostgreSQL server for tests: a fresh cluster in a temp dir owned by the `postgres` user
 * (PostgreSQL refuses to run as root), trust auth, on a free loopback port, stopped and removed by `stop`.
 * `.ci/run` installs the Debian package; without it `postgresBinDir()` is undefined.
 */
import { execFileSync } from "node:child_process"
import { appendFileSync, chmodSync, existsSync, readdirSync } from "node:fs"
import { createServer } from "node:net"
import { join } from "node:path"
import { makeTempDir } from "./TempDirs.ts"

const ROOT = "/usr/lib/postgresql"

/** The newest installed PostgreSQL's bin directory, if any. */
export const postgresBinDir = (): string | undefined => {
  if (!existsSync(ROOT)) return undefined
  const versions = readdirSync(ROOT).filter((name) => existsSync(join(ROOT, name, "bin", "initdb")))
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  return newest === undefined ? undefined : join(ROOT, newest, "bin")
}

/**
 * Whether the PostgreSQL binaries are here, for `describe.skipIf`. On CI they must be (`.ci/run` installs them):
 * there a missing one fails the file instead of skipping its tests silently.
 */
export const postgresAvailable = (): boolean => {
  const available = postgresBinDir() !== undefined
  if (!available && process.env.CI === "true") {
    throw new Error("PostgreSQL is missing: the cluster tests need it on CI (.ci/run installs the postgresql package)")
  }
  return available
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export interface Postgres {
  readonly url: string
  /** Runs one statement with psql and returns its rows, unaligned (`|` between columns). */
  readonly query: (statement: string) => string
  readonly stop: () => void
  /** Stops the server at once (open sessions and their advisory locks die) and starts it again on the same port. */
  readonly restart: () => void
  /** Starts a server `stop` stopped, on the same port. */
  readonly start: () => void
}

const asPostgres = (bin: string, args: ReadonlyArray<string>) =>
  execFileSync("runuser", ["-u", "postgres", "--", join(bin, args[0]!), ...args.slice(1)], {
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000
  })

/**
 * `also`: one more address to listen on, and the network (CIDR) whose clients it trusts there, for a test
 * that builds its own network; the URL stays on the loopback address.
 */
export const startPostgres = async (also?: { readonly address: string; readonly network: string }): Promise<Postgres> => {
  const bin = postgresBinDir()
  if (bin === undefined) throw new Error(`PostgreSQL is not installed (no initdb under ${ROOT}); .ci/run installs it`)
  // Under /tmp, not TMPDIR: the postgres user must reach it, and its socket path must stay short.
  const root = makeTempDir("codex-effect-pg-", "/tmp")
  chmodSync(root, 0o777)
  const data = join(root, "data")
  const port = await freePort()
  execFileSync("chown", ["postgres", root])
  asPostgres(bin, ["initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"])
  if (also !== undefined) appendFileSync(join(data, "pg_hba.conf"), `host all all ${also.network} trust\n`)
  const listen = also === undefined ? "127.0.0.1" : `127.0.0.1,${also.address}`
  const start = () =>
    asPostgres(bin, [
      "pg_ctl",
      "-D",
      data,
      "-l",
      join(root, "log"),
      "-w",
      "-o",
      `-p ${port} -k ${root} -c listen_addresses=${listen} -c fsync=off -c max_connections=200`,
      "start"
    ])
  start()
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  return {
    url,
    query: (statement) =>
      execFileSync(join(bin, "psql"), [url, "-tAc", statement], { encoding: "utf8", timeout: 10_000 }).trim(),
    stop: () => {
      try {
        asPostgres(bin, ["pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"])
      } catch {
        // Already stopped: nothing to do.
      }
    },
    restart: () => {
      asPostgres(bin, ["pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"])
      start()
    },
    start
  }
}
