/**
 * A command inherits no descriptor but its stdio, and Node itself can break that: when the `tls`
 * module is first loaded (the first `fetch` does it), Node starts a thread that reads the CA
 * certificate files (`NODE_EXTRA_CA_CERTS`, and the system store under `--use-system-ca`) through
 * OpenSSL, which opens them without close-on-exec. A command spawned while that thread reads (the
 * model's first command follows the first model request by milliseconds) inherits the open file; on
 * a loaded machine it did, as descriptor 21 or 23 holding `/etc/ssl/certs/ca-certificates.crt`.
 *
 * The server therefore finishes that loading before it starts any process or model request: asking
 * for the certificates waits for the loading thread (or loads them on the main thread), and OpenSSL
 * closes each file before it returns. The certificates are needed anyway for the model's HTTPS
 * endpoint, so this moves the work earlier rather than adding it (about 20 ms). Every command does it
 * at start, except the stdio server, which does it once its first answer is written (off the path to
 * `initialize`) and before it handles any other request or probes bubblewrap. Without anything that
 * makes Node read a file (only the bundled certificates, compiled in), nothing is loaded.
 */

/** Whether Node will read CA certificates from files when `tls` loads. */
const readsCertificateFiles = (env: NodeJS.ProcessEnv, execArgv: ReadonlyArray<string>): boolean => {
  const flags = [...execArgv, ...(env.NODE_OPTIONS ?? "").split(/\s+/)]
  return (env.NODE_EXTRA_CA_CERTS ?? "") !== "" ||
    env.NODE_USE_SYSTEM_CA === "1" ||
    flags.some((flag) => flag === "--use-system-ca" || flag === "--use-openssl-ca")
}

let settled = false

/**
 * Loads the CA certificates now, on this thread, if Node would otherwise read them on its own thread later.
 * Once per process: later calls return at once.
 */
export const settleCertificateLoading = (): void => {
  if (settled) return
  settled = true
  if (!readsCertificateFiles(process.env, process.execArgv)) return
  const tls = process.getBuiltinModule("node:tls")
  tls.getCACertificates("default")
}

/**
 * Whether `args` (the command line after the script) run the stdio server with nothing else: it settles
 * the certificates itself, after its first answer. Anything else (another command, `--http`, `--cluster`,
 * flags) settles them at start.
 */
export const settlesAfterFirstAnswer = (args: ReadonlyArray<string>): boolean =>
  args.length === 0 || (args.length === 1 && args[0] === "mcp")
