/**
 * A command inherits no descriptor but its stdio. The threat: whoever launched the server may have
 * left descriptors open without close-on-exec (a file, a directory, a socket to a daemon). Every
 * process the server starts would inherit them, and a sandbox cannot take them back: a directory
 * descriptor reached through `/proc/self/fd/N/` writes through the host's mount, not the sandbox's
 * read-only one, and an inherited Unix socket reaches its peer whatever the seccomp filter says.
 * Node marks only descriptors 0–15 close-on-exec at start; the rest pass through.
 *
 * The server therefore closes, once at start, every descriptor above stderr that is not close-on-exec.
 * That holds by construction for every process it will ever start, whatever the path (commands in
 * every sandbox mode and without one, MCP servers, the notify program, git): a child inherits only
 * the descriptors its `spawn` names plus whatever the parent holds without close-on-exec, and after
 * this sweep the server holds none, because Node opens every descriptor of its own close-on-exec
 * (except the CA certificate files its `tls` thread reads: see `CertificateLoading`).
 * (The seccomp filter bwrap reads on fd 3 is such a named descriptor, made for each sandbox.) The
 * alternative, a prelude inside the sandbox that closes descriptors before the command starts, would
 * cover only sandboxed commands, cost a process per command and need a program that can close any
 * descriptor number (`sh` cannot above 9).
 *
 * On a system without `/proc/self/fd` (not Linux) nothing is closed.
 */
import { closeSync, readdirSync, readFileSync } from "node:fs"

const O_CLOEXEC = 0o2_000_000

/** Whether `fd` would pass to a child: open, and without close-on-exec (`flags:` in fdinfo is octal). */
const inheritable = (fd: number): boolean => {
  let info: string
  try {
    info = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8")
  } catch {
    // Closed since the listing (the listing's own descriptor is one).
    return false
  }
  const flags = /^flags:\s*([0-7]+)$/m.exec(info)
  return flags !== null && (Number.parseInt(flags[1]!, 8) & O_CLOEXEC) === 0
}

/**
 * Closes every descriptor above 2 this process would pass to its children; returns their numbers.
 * Call it once, before anything is started.
 */
export const closeInheritedDescriptors = (): ReadonlyArray<number> => {
  let names: Array<string>
  try {
    names = readdirSync("/proc/self/fd")
  } catch {
    return []
  }
  const closed: Array<number> = []
  for (const fd of names.map(Number)) {
    if (!(fd > 2) || !inheritable(fd)) continue
    try {
      closeSync(fd)
      closed.push(fd)
    } catch {
      // Already gone.
    }
  }
  return closed
}
