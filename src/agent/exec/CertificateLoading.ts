/**
 * A command inherits no descriptor but its stdio, and Node itself can break that: when the `tls`
 * module is first loaded (the first `fetch` does it), Node starts a thread that reads the CA
 * certificate files (`NODE_EXTRA_CA_CERTS`, and the system store under `--use-system-ca`) through
 * OpenSSL, which opens them without close-on-exec. A command spawned while that thread reads (the
 * model's first command follows the first model request by milliseconds) inherits the open file; on
 * a loaded machine it did, as descriptor 21 or 23 holding `/etc/ssl/certs/ca-certificates.crt`.
 *
 * The server therefore finishes that loading at start, before it starts any process: asking for the
 * certificates waits for the loading thread (or loads them on the main thread), and OpenSSL closes
 * each file before it returns. The certificates are needed anyway for the model's HTTPS endpoint, so
 * this moves the work earlier rather than adding it (about 20 ms). Without anything that makes Node
 * read a file (only the bundled certificates, compiled in), nothing is loaded.
 */

/** Whether Node will read CA certificates from files when `tls` loads. */
const readsCertificateFiles = (env: NodeJS.ProcessEnv, execArgv: ReadonlyArray<string>): boolean => {
  const flags = [...execArgv, ...(env.NODE_OPTIONS ?? "").split(/\s+/)]
  return (env.NODE_EXTRA_CA_CERTS ?? "") !== "" ||
    env.NODE_USE_SYSTEM_CA === "1" ||
    flags.some((flag) => flag === "--use-system-ca" || flag === "--use-openssl-ca")
}

/** Loads the CA certificates now, on this thread, if Node would otherwise read them on its own thread later. */
export const settleCertificateLoading = (): void => {
  if (!readsCertificateFiles(process.env, process.execArgv)) return
  const tls = process.getBuiltinModule("node:tls")
  tls.getCACertificates("default")
}
