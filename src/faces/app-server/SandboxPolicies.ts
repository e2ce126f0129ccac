/** Sandbox policies between the v2 wire shape (camelCase, `type`) and the core's (`mode`, snake_case). */
import type { ResolvedConfig } from "../../config/ResolvedConfig.js"
import type { SandboxPolicy as CoreSandboxPolicy } from "../../rpc/Enums.js"
import type { SandboxPolicy } from "./Items.js"

/** The configured sandbox as a v2 policy. */
export const sandboxPolicyOf = (config: ResolvedConfig): SandboxPolicy =>
  config.sandboxMode === "danger-full-access"
    ? { type: "dangerFullAccess" }
    : config.sandboxMode === "read-only"
    ? { type: "readOnly", networkAccess: false }
    : {
      type: "workspaceWrite",
      writableRoots: [...config.sandboxWorkspaceWrite.writableRoots],
      networkAccess: config.sandboxWorkspaceWrite.networkAccess,
      excludeTmpdirEnvVar: config.sandboxWorkspaceWrite.excludeTmpdirEnvVar,
      excludeSlashTmp: config.sandboxWorkspaceWrite.excludeSlashTmp
    }

/** A v2 policy as the core's. */
export const coreSandboxPolicy = (policy: SandboxPolicy): CoreSandboxPolicy =>
  policy.type === "dangerFullAccess"
    ? { mode: "danger-full-access" }
    : policy.type === "readOnly"
    ? { mode: "read-only" }
    : {
      mode: "workspace-write",
      writable_roots: policy.writableRoots,
      network_access: policy.networkAccess,
      exclude_tmpdir_env_var: policy.excludeTmpdirEnvVar,
      exclude_slash_tmp: policy.excludeSlashTmp
    }
