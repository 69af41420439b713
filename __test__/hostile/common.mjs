// Constants shared by the hostile-input suite's parent (hostile.test.mjs) and its child runner (runner.mjs).

/** Set in every child's environment before any workspace exists; no probe output may ever contain the value. */
export const SECRET_NAME = 'HOSTILE_SECRET'
export const SECRET_VALUE = 's3cr3t-7f3a9c1e'

/** Bytes of stdout / stderr the child sends back to the parent (the rest is summarised by its length). */
export const STDOUT_HEAD = 8 * 1024
export const STDERR_HEAD = 16 * 1024
export const STDERR_TAIL = 2 * 1024

/** `internal error` (a panic turned into a message) must never appear in any stderr. */
export const INTERNAL_ERROR_RE = /internal error/i

/** Numbers that JSON cannot carry: probes encode them as these strings, the child decodes them. */
export function decodeNumber(v) {
  if (v === 'NaN') return NaN
  if (v === 'Infinity') return Infinity
  if (v === '-Infinity') return -Infinity
  return v
}
