/** `lab bundle verify`: every file the manifest names, re-hashed; each one missing or changed is named with its fix. */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Reporter } from '../engine/events.js'
import { sha256File } from '../media/checksum.js'
import { type Artifact, readBundle, IMAGES_DIR } from './manifest.js'
import { blobPath } from './oci-layout.js'

export interface BundleProblem {
  artifact: string
  path: string
  problem: 'missing' | 'size' | 'sha256'
  detail: string
  fix: string
}

export interface VerifyResult {
  dir: string
  lab: string
  checked: number
  bytes: number
  problems: BundleProblem[]
  /** Artifacts the manifest names but could not collect (OS packages). */
  pending: string[]
}

async function checkFile(path: string, size: number, sha256: string): Promise<Pick<BundleProblem, 'problem' | 'detail'> | undefined> {
  const st = await stat(path).catch(() => undefined)
  if (!st?.isFile()) return { problem: 'missing', detail: 'not there' }
  if (st.size !== size) return { problem: 'size', detail: `${st.size} bytes, the manifest says ${size}` }
  const got = await sha256File(path)
  return got === sha256 ? undefined : { problem: 'sha256', detail: `sha256 ${got}, the manifest says ${sha256}` }
}

function label(a: Artifact): string {
  return `${a.kind} ${a.name}`
}

export async function verifyBundle(dir: string, report: Reporter): Promise<VerifyResult> {
  const bundle = await readBundle(dir)
  const problems: BundleProblem[] = []
  const pending: string[] = []
  let checked = 0
  let bytes = 0
  const again = `run \`lab bundle create ${bundle.manifest.lab} --out ${dir}\` again on a machine online`
  for (const a of bundle.manifest.artifacts) {
    if (a.kind === 'package-repo') {
      pending.push(`${label(a)} (${a.packages.join(', ')}): not collected, needs the network`)
      continue
    }
    const t0 = Date.now()
    report({ type: 'task', stage: 'verify', node: a.kind, title: a.name, status: 'running' })
    const files =
      a.kind === 'image'
        ? a.blobs.map((b) => ({ path: blobPath(join(bundle.dir, IMAGES_DIR), b.digest), size: b.size, sha256: b.digest.slice(7) }))
        : [{ path: join(bundle.dir, a.path), size: a.size, sha256: a.sha256 }]
    const before = problems.length
    for (const f of files) {
      checked++
      bytes += f.size
      const bad = await checkFile(f.path, f.size, f.sha256)
      if (bad) problems.push({ artifact: label(a), path: f.path, ...bad, fix: bad.problem === 'missing' ? again : `remove ${f.path} and ${again}` })
    }
    const failed = problems.length > before
    report({
      type: 'task',
      stage: 'verify',
      node: a.kind,
      title: a.name,
      status: failed ? 'failed' : 'done',
      ...(failed
        ? {
            detail: problems
              .slice(before)
              .map((p) => `${p.path}: ${p.detail}`)
              .join('; '),
          }
        : {}),
      elapsedMs: Date.now() - t0,
    })
  }
  return { dir: bundle.dir, lab: bundle.manifest.lab, checked, bytes, problems, pending }
}
