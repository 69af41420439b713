// Types of the package entry point `main.js` (hand-written): the generated `index.d.ts` plus
// `createPresignHandler`.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { BackblazeResource, ExecuteOptions, PresignOp, PresignOptions, ProvisionResult, S3Resource } from './index.js'

export * from './index.js'

/** Options of `createPresignHandler(resource, options)`. */
export interface PresignHandlerOptions {
  /**
   * Ops the handler signs; any other known op is refused with 403. Default `['GET', 'HEAD', 'LIST']`
   * (read-only): add `'PUT'`, `'DELETE'`, `'COPY'` to let the browser write.
   */
  allowOps?: ReadonlyArray<PresignOp>
  /**
   * Keys (relative to the resource) must be under this folder, else 403: `'uploads'` means `'uploads/'`.
   * LIST needs `opts.listPrefix` under it, COPY needs `opts.copySource` under it. Default: the whole resource.
   */
  prefix?: string
  /** Largest TTL signed, in whole seconds: longer `opts.ttlSec` are lowered to it. Default 3600, cap 604800. */
  maxTtlSec?: number
}

/** The JSON body the handler reads: what mirage-browser's `presignedUrlProvider` sends. */
export interface PresignRequestBody {
  /** The key within the bucket; a leading `/` is stripped. LIST ignores it (mirage-browser sends `'/'`). */
  path: string
  op: PresignOp
  opts?: PresignOptions
}

/** The JSON answer to a signed request (HTTP 200). mirage-browser reads `url`. */
export interface PresignHandlerAnswer {
  url: string
  /** The HTTP method the URL is signed for (LIST is a `GET`, COPY a `PUT`). */
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE'
  /** Signed headers the request must send as given: `content-type` (PUT), `x-amz-copy-source` (COPY). */
  headers: Record<string, string>
  /** When the URL stops working (ISO 8601). */
  expiresAt: string
}

/** `code` of an error answer. */
export type PresignErrorCode =
  | 'ERR_PRESIGN_METHOD'
  | 'ERR_PRESIGN_BAD_BODY'
  | 'ERR_PRESIGN_BODY_TOO_LARGE'
  | 'ERR_PRESIGN_BODY_TIMEOUT'
  | 'ERR_PRESIGN_UNKNOWN_OP'
  | 'ERR_PRESIGN_INVALID_PATH'
  | 'ERR_PRESIGN_INVALID_OPTION'
  | 'ERR_PRESIGN_OP_NOT_ALLOWED'
  | 'ERR_PRESIGN_OUTSIDE_PREFIX'
  | 'ERR_PRESIGN_INTERNAL'

/**
 * The JSON answer to a refused request: 400 (malformed body, missing path/op, unknown op, invalid path or
 * option), 403 (op not allowed, key outside the prefix), 405 (not a POST), 408 / 413 (slow or oversized body),
 * 500 (signing failed). `error` is a fixed text: never the secret.
 */
export interface PresignHandlerError {
  error: string
  code: PresignErrorCode
}

/** A request as Express or `node:http` passes it; `body` is used when a body parser (`express.json()`) ran. */
export type PresignHandlerRequest = IncomingMessage & { body?: unknown }

/** The handler: answers every request itself and never rejects. */
export type PresignHandler = (req: PresignHandlerRequest, res: ServerResponse) => Promise<void>

/**
 * A `(req, res)` handler for `POST /presign/b2` that signs mirage-browser's `{ path, op, opts }` requests
 * with `resource` and answers `{ url, method, headers, expiresAt }`. It reads `req.body` when a body parser
 * ran, else parses the JSON body itself (at most 64 KiB, within 10 s). It does not authenticate the caller:
 * put your own authentication (and rate limit) in front of it.
 *
 * Throws `TypeError`/`RangeError` at once for a resource that is not a `BackblazeResource`/`S3Resource`
 * or for malformed options.
 */
export declare function createPresignHandler(
  resource: BackblazeResource | S3Resource,
  options?: PresignHandlerOptions,
): PresignHandler

// `execute(cmd, { provision: true })` resolves to the estimate, as in the reference package.
declare module './index.js' {
  interface Workspace {
    execute(command: string, options: ExecuteOptions & { provision: true }): Promise<ProvisionResult>
  }
}
