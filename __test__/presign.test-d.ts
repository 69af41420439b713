// Type tests for main.d.ts (the package entry: the generated index.d.ts + createPresignHandler), run by
// `npx tsc -p __test__/tsconfig.json`. Only type-checked, never executed.

import http from 'node:http'
import {
  BackblazeResource,
  RAMResource,
  S3Resource,
  Workspace,
  createPresignHandler,
  type PresignedRequest,
  type PresignHandler,
  type PresignHandlerAnswer,
  type PresignHandlerError,
  type PresignHandlerOptions,
  type PresignOp,
  type PresignRequestBody,
} from '../main.js'

export function server(): http.Server {
  const b2 = new BackblazeResource({ bucket: 'my-bucket', region: 'us-west-004', accessKeyId: 'k', secretAccessKey: 's' })
  const s3 = new S3Resource({ bucket: 'b', region: 'us-east-1', accessKeyId: 'k', secretAccessKey: 's', keyPrefix: 'team/' })
  const ws = new Workspace({ '/bucket/': b2 })
  void ws

  // resource.presign is synchronous and returns the URL.
  const url: string = b2.presign('/dir/a.txt', 'GET')
  const put: string = s3.presign('a.txt', 'PUT', { contentType: 'text/plain', ttlSec: 60 })
  const list: string = b2.presign('/', 'LIST', { listPrefix: 'dir/', listDelimiter: '/', listContinuationToken: 't' })
  const copy: PresignedRequest = b2.presignRequest('b.txt', 'COPY', { copySource: 'a.txt' }, { allowOps: ['COPY'], prefix: 'x', maxTtlSec: 60 })
  const method: 'GET' | 'PUT' | 'HEAD' | 'DELETE' = copy.method
  const headers: Record<string, string> = copy.headers
  const expiresAt: number = copy.expiresAt
  void url, put, list, method, headers, expiresAt
  // @ts-expect-error: not an op
  b2.presign('a', 'FETCH')
  // @ts-expect-error: ttlSec is a number
  b2.presign('a', 'GET', { ttlSec: '60' })

  const options: PresignHandlerOptions = { allowOps: ['GET', 'HEAD', 'LIST', 'PUT'], prefix: 'uploads/', maxTtlSec: 900 }
  const handler: PresignHandler = createPresignHandler(b2, options)
  createPresignHandler(s3)
  // @ts-expect-error: not an op
  createPresignHandler(b2, { allowOps: ['FETCH'] })
  // @ts-expect-error: maxTtlSec is a number
  createPresignHandler(b2, { maxTtlSec: '3600' })
  // @ts-expect-error: only bucket resources can sign
  createPresignHandler(new RAMResource())
  // @ts-expect-error: unknown option
  createPresignHandler(b2, { allowOp: ['GET'] })

  // Plain node:http takes it as a request listener.
  return http.createServer(handler)
}

// The wire types.
export const body: PresignRequestBody = { path: '/a.txt', op: 'PUT', opts: { contentType: 'text/plain' } }
export const answer: PresignHandlerAnswer = { url: 'https://x', method: 'PUT', headers: {}, expiresAt: '2030-01-01T00:00:00.000Z' }
export const refused: PresignHandlerError = { error: 'op PUT is not allowed', code: 'ERR_PRESIGN_OP_NOT_ALLOWED' }
// @ts-expect-error: not a known error code
export const bogus: PresignHandlerError = { error: 'x', code: 'ERR_NOPE' }
export const ops: PresignOp[] = ['GET', 'PUT', 'HEAD', 'DELETE', 'LIST', 'COPY']
