/**
 * The Codex CLI's `[otel]` table, as far as traces go: `trace_exporter` (else `exporter`) is `"none"`
 * (the default), `{ otlp-http = { endpoint, headers, protocol } }` or `{ otlp-grpc = { endpoint, headers } }`;
 * `environment` marks every span (default `dev`). Anything else there is the Codex CLI's own business
 * (`log_user_prompt`, `metrics_exporter`, `tls`, `statsig`) and is left alone.
 */
import type { TomlTable, TomlValue } from "smol-toml"

export type OtelExporter =
  | { readonly kind: "none" }
  | {
    readonly kind: "otlp-http"
    readonly endpoint: string
    readonly headers: Readonly<Record<string, string>>
    /** `binary` (protobuf, the default) or `json`. */
    readonly protocol: "binary" | "json"
  }
  | { readonly kind: "otlp-grpc"; readonly endpoint: string; readonly headers: Readonly<Record<string, string>> }

export interface OtelSettings {
  readonly exporter: OtelExporter
  readonly environment: string
}

const isTable = (value: TomlValue | undefined): value is TomlTable =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date)

const stringsOf = (value: TomlValue | undefined): Record<string, string> =>
  isTable(value)
    ? Object.fromEntries(Object.entries(value).flatMap(([key, entry]) => (typeof entry === "string" ? [[key, entry]] : [])))
    : {}

/** One exporter value; a shape this does not know is an error naming what it expected. */
const exporterOf = (value: TomlValue): OtelExporter | string => {
  if (value === "none" || value === "statsig") return { kind: "none" }
  if (!isTable(value)) return `expected "none", { otlp-http = {...} } or { otlp-grpc = {...} }, got ${JSON.stringify(value)}`
  const http = value["otlp-http"]
  const grpc = value["otlp-grpc"]
  const settings = isTable(http) ? http : isTable(grpc) ? grpc : undefined
  if (settings === undefined) return "expected an `otlp-http` or `otlp-grpc` table"
  const endpoint = settings.endpoint
  if (typeof endpoint !== "string" || endpoint === "") return "`endpoint` must be a non-empty string"
  const headers = stringsOf(settings.headers)
  if (isTable(grpc)) return { kind: "otlp-grpc", endpoint, headers }
  const protocol = settings.protocol ?? "binary"
  if (protocol !== "binary" && protocol !== "json") return `\`protocol\` must be "binary" or "json", got ${JSON.stringify(protocol)}`
  return { kind: "otlp-http", endpoint, headers, protocol }
}

/** The trace settings of a config table; a string when `[otel]` is there but wrong (the caller warns, traces stay off). */
export const otelSettingsOf = (config: TomlTable): OtelSettings | string => {
  const otel = config.otel
  if (otel === undefined) return { exporter: { kind: "none" }, environment: "dev" }
  if (!isTable(otel)) return "[otel] must be a table"
  const chosen = otel.trace_exporter ?? otel.exporter
  const exporter = chosen === undefined ? { kind: "none" as const } : exporterOf(chosen)
  if (typeof exporter === "string") return `[otel] ${otel.trace_exporter !== undefined ? "trace_exporter" : "exporter"}: ${exporter}`
  return { exporter, environment: typeof otel.environment === "string" ? otel.environment : "dev" }
}
