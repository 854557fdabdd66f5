/**
 * `lab bundle create`: everything a lab needs offline into one folder, each artifact reported as it is
 * collected. Run again, it keeps what is there (image blobs by digest, files by hash) and fetches the rest.
 */
import { copyFile, link, mkdir, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { LoadedLab } from '../lab/load.js'
import type { IsoImage } from '../lab/os-catalog.js'
import type { Reporter } from '../engine/events.js'
import { LabError } from '../util/errors.js'
import { fsError } from '../util/fs-errors.js'
import { sha256File } from '../media/checksum.js'
import { labNeeds } from './lab-needs.js'
import { type Artifact, type BundleManifest, FORMAT, IMAGES_DIR, writeManifest } from './manifest.js'
import { initLayout } from './oci-layout.js'
import { dockerName, parseImageRef } from './image-ref.js'
import { RegistryClient, type PullOptions } from './registry-client.js'

export interface CreateOptions {
  out: string
  report: Reporter
  platform?: string
  plainHttp?: PullOptions['plainHttp']
  /** Where an install ISO comes from: the ISO cache (downloading into it when missing); tests pass their own. */
  iso?: (iso: IsoImage) => Promise<string>
  now?: () => Date
}

export interface CreateResult {
  dir: string
  manifest: BundleManifest
  bytes: number
  elapsedMs: number
}

const STAGE = 'bundle'

const mb = (n: number): string => (n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(1)} MB`)

async function defaultIso(loaded: LoadedLab, iso: IsoImage): Promise<string> {
  const { fetchIsoImage } = await import('../media/fetch-iso.js')
  return (await fetchIsoImage(loaded.lab.os, iso)).path
}

/** A hard link where the cache and the bundle share a disk (an ISO is gigabytes), else a copy. */
async function place(from: string, to: string): Promise<void> {
  try {
    await mkdir(dirname(to), { recursive: true })
    await rm(to, { force: true })
    await link(from, to).catch(() => copyFile(from, to))
  } catch (err) {
    throw fsError(err, { path: to })
  }
}

async function fileArtifact(kind: 'iso' | 'file', name: string, source: string, from: string, dir: string, rel: string): Promise<Artifact> {
  const to = join(dir, rel)
  const [a, b] = await Promise.all([stat(from).catch(() => undefined), stat(to).catch(() => undefined)])
  if (!a?.isFile()) throw new LabError(`${name}: ${from} is not a file`)
  const sha256 = await sha256File(from)
  if (!(b?.size === a.size && (await sha256File(to)) === sha256)) await place(from, to)
  return { kind, name, source, size: a.size, sha256, path: rel }
}

export async function createBundle(loaded: LoadedLab, opts: CreateOptions): Promise<CreateResult> {
  const started = Date.now()
  const { report, out: dir } = opts
  const lab = loaded.lab
  const needs = await labNeeds(lab, loaded.filesDir)
  try {
    await mkdir(dir, { recursive: true })
  } catch (err) {
    throw fsError(err, { path: dir })
  }
  const artifacts: Artifact[] = []
  const failures: string[] = []
  const step = async (kind: string, name: string, fn: () => Promise<Artifact>): Promise<void> => {
    const t0 = Date.now()
    report({ type: 'task', stage: STAGE, node: kind, title: name, status: 'running' })
    try {
      const a = await fn()
      artifacts.push(a)
      const size = 'size' in a ? mb(a.size) : 'listed'
      report({ type: 'task', stage: STAGE, node: kind, title: name, status: 'done', detail: size, elapsedMs: Date.now() - t0 })
    } catch (err) {
      // A disk that cannot take the bundle fails every artifact the same way: stop at the first.
      if (err instanceof LabError && /no space|read-only|permission denied|quota/.test(err.message)) throw err
      failures.push(`${kind} ${name}: ${(err as Error).message}`)
      report({ type: 'task', stage: STAGE, node: kind, title: name, status: 'failed', detail: (err as Error).message, elapsedMs: Date.now() - t0 })
    }
  }

  report({ type: 'stage', stage: STAGE, status: 'running' })
  for (const iso of needs.isos) {
    await step('iso', iso.file, async () => {
      const path = await (opts.iso ?? ((i) => defaultIso(loaded, i)))(iso)
      return fileArtifact('iso', iso.file, iso.urls[0] ?? path, path, dir, `isos/${iso.file}`)
    })
  }
  if (needs.images.length) await initLayout(join(dir, IMAGES_DIR))
  const client = new RegistryClient(opts.plainHttp ? { plainHttp: opts.plainHttp } : {})
  for (const { image } of needs.images) {
    await step('image', image, async () => {
      const ref = parseImageRef(image)
      const pulled = await client.pull(ref, join(dir, IMAGES_DIR), opts.platform ? { platform: opts.platform } : {})
      const hex = pulled.manifest.digest.slice(7)
      return {
        kind: 'image',
        name: dockerName(ref),
        source: `${ref.registry}/${ref.repository}:${ref.reference}`,
        size: pulled.size,
        sha256: hex,
        path: `${IMAGES_DIR}/blobs/sha256/${hex}`,
        mediaType: pulled.manifest.mediaType,
        blobs: pulled.blobs.map((b) => ({ digest: b.digest, size: b.size })),
      }
    })
  }
  for (const f of needs.files) {
    await step('file', f.name, async () => {
      if (/^https?:\/\//.test(f.source)) {
        const { download } = await import('../media/download.js')
        const rel = `files/${basename(new URL(f.source).pathname)}`
        const got = await download(f.source, join(dir, rel))
        return { kind: 'file', name: f.name, source: f.source, size: got.bytes, sha256: got.sha256, path: rel }
      }
      return fileArtifact('file', f.name, `lab:${f.name}`, f.source, dir, `files/${f.name}`)
    })
  }
  if (needs.packages.length) {
    const name = `${lab.os.id}-packages`
    const tool = lab.os.family === 'debian' ? 'apt-get download + dpkg-scanpackages' : 'dnf download --resolve + createrepo_c'
    artifacts.push({ kind: 'package-repo', name, source: `${lab.os.id} repositories`, packages: needs.packages, status: 'needs-network', path: `packages/${lab.os.id}` })
    report({
      type: 'warn',
      message: `OS packages are not in the bundle (${needs.packages.join(', ')}): collecting a ${lab.os.id} repository needs ${tool} on a ${lab.os.id} machine online, which vmlab does not do yet; bake them into the base image (the Debian image and install.packages do) or give the nodes a package mirror (repos.mirror)`,
    })
  }
  const manifest: BundleManifest = { format: FORMAT, lab: lab.name, created: (opts.now?.() ?? new Date()).toISOString(), artifacts }
  await writeManifest(dir, manifest)
  const bytes = artifacts.reduce((n, a) => n + ('size' in a ? a.size : 0), 0)
  report({ type: 'stage', stage: STAGE, status: failures.length ? 'failed' : 'done', detail: `${artifacts.length} artifacts, ${mb(bytes)}`, elapsedMs: Date.now() - started })
  if (failures.length) {
    throw new LabError(`${failures.length} artifact${failures.length === 1 ? '' : 's'} of lab ${lab.name} could not be collected into ${dir}:\n${failures.map((f) => `  ${f}`).join('\n')}`, {
      hint: 'the manifest lists what was collected; fix the cause (the network, a name) and run `lab bundle create` again: what is there is kept',
    })
  }
  return { dir, manifest, bytes, elapsedMs: Date.now() - started }
}
