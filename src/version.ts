/** The package version, reported in `serverInfo` and by `--version`. */
export const VERSION = "0.1.0"
