// The oracle: run a command with real GNU bash + coreutils on a local copy of the same tree, so a test can compare
// mirage's output with GNU's byte for byte.
//
//   const gnu = await makeGnu({ '/bucket': tree })       // materialises T/bucket/... once
//   const g = gnu.run('cat /bucket/a.txt | wc -l')        // { stdout: Buffer, stderr: Buffer, exitCode }
//   gnu.cleanup()
//
// How: each mount point M is materialised under a temp dir T as T+M; the command is run by `bash -c` with cwd T (the
// workspace's `/`) and every mount point in it rewritten from M to T+M; T+M (and T itself) are mapped back to M (and `/`)
// in stdout and stderr. bash's own messages keep their real shape (`bash: line 1: ...`).
//
// Environment: LC_ALL=C. GNU `ls` sorts with the locale's collation (en_US.UTF-8 would put `a.txt` before
// `README.md` and ignore punctuation), while mirage sorts names by bytes, which is exactly what the C locale does.
// The C locale also keeps messages in English and makes `wc`/`ls` treat names and text as bytes. Non-ASCII file
// names are still printed raw because the output is a pipe, not a terminal (no `?` replacement, no quoting).
// HOME is T (so `cd` with no argument lands on `/`), PATH is inherited so the real coreutils are found.

import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { writeTree } from './s3server.mjs'

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function normMount(m) {
  let p = m.startsWith('/') ? m : `/${m}`
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1)
  return p
}

/**
 * mounts: { '/bucket': { 'a.txt': 'hello\n', 'dir/b.txt': ... }, '/tmp': {} }
 * Returns { root, run(command, { stdin, cwd, env }), rewrite(command), cleanup() }.
 */
export async function makeGnu(mounts) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mirage-gnu-'))
  const points = Object.keys(mounts).map(normMount)
  for (const [m, tree] of Object.entries(mounts)) {
    mkdirSync(path.join(root, normMount(m)), { recursive: true })
    await writeTree(path.join(root, normMount(m)), tree ?? {})
  }

  // One pass over the command (the temp root itself may contain a mount name such as /tmp, so never rewrite twice).
  // A mount point only matches as a whole absolute path at the start of a word: `/bucket` and `/bucket/x`, not
  // `/bucketx` nor the `/bucket` inside `/x/bucket`.
  const byLength = [...points].sort((a, b) => b.length - a.length)
  const toLocal = new RegExp(
    `(?<=^|[\\s'"=<>|;&()\`])(${byLength.map(escapeRegExp).join('|')})(?=/|$|[^A-Za-z0-9_.-])`,
    'g',
  )
  const rewrite = (command) => command.replace(toLocal, (m) => root + m)

  // Back-mapping on output: first T+M -> M, then any remaining T (the workspace root) -> '/'.
  const fromLocal = (buf) => {
    let s = buf.toString('latin1') // byte-preserving round trip
    const r = Buffer.from(root, 'utf8').toString('latin1')
    s = s.split(r + '/').join('/')
    s = s.split(r).join('/')
    return Buffer.from(s, 'latin1')
  }

  function run(command, { stdin, cwd = '/', env = {} } = {}) {
    const mapped = rewrite(normMount(cwd))
    const localCwd = mapped.startsWith(root) ? mapped : path.join(root, cwd)
    const res = spawnSync('bash', ['-c', rewrite(command)], {
      cwd: localCwd,
      input: stdin ?? '',
      env: { PATH: process.env.PATH, HOME: root, LC_ALL: 'C', ...env },
      maxBuffer: 64 * 1024 * 1024,
    })
    if (res.error) throw res.error
    return {
      stdout: fromLocal(res.stdout),
      stderr: fromLocal(res.stderr),
      exitCode: res.status ?? 128 + (os.constants.signals[res.signal] ?? 0),
    }
  }

  return {
    root,
    run,
    rewrite,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  }
}

/** One-shot form: materialise, run, clean up. */
export async function gnu(command, mounts, opts) {
  const g = await makeGnu(mounts)
  try {
    return g.run(command, opts)
  } finally {
    g.cleanup()
  }
}
