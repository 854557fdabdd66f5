/**
 * The real distribution registry (Debian's docker-registry) on a loopback port of its own, seeded through its
 * v2 API with a small image made here: a gzipped layer of a few files, its config and manifest, per platform.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { tarArchive } from '../../src/bundle/tar.js'

export const REGISTRY_BIN = '/usr/bin/docker-registry'

export interface Registry {
  host: string
  url: string
  proc: ChildProcess
  /** What the registry logged (its access log lines among them). */
  log(): string
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

export async function waitForHttp(url: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    try {
      const res = await fetch(url)
      await res.body?.cancel()
      return
    } catch {
      if (Date.now() > until) throw new Error(`nothing answers at ${url}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** `extra`: more YAML at the top level of the config (a `proxy:` section). */
export async function startRegistry(dir: string, extra = ''): Promise<Registry> {
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const config = join(dir, 'config.yml')
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${extra}`,
  )
  const proc = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const host = `127.0.0.1:${port}`
  await waitForHttp(`http://${host}/v2/`)
  return {
    host,
    url: `http://${host}`,
    proc,
    log: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
        proc.once('exit', () => resolve())
        proc.kill('SIGTERM')
      }),
  }
}

export const digestOf = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

async function pushBlob(base: string, repo: string, data: Buffer): Promise<string> {
  const digest = digestOf(data)
  const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' })
  if (start.status !== 202) throw new Error(`upload start: HTTP ${start.status}`)
  const location = new URL(start.headers.get('location')!, base)
  location.searchParams.set('digest', digest)
  const put = await fetch(location, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } })
  if (put.status !== 201) throw new Error(`upload ${digest}: HTTP ${put.status} ${await put.text()}`)
  return digest
}

async function pushManifest(base: string, repo: string, tag: string, mediaType: string, body: Buffer): Promise<void> {
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body, headers: { 'content-type': mediaType } })
  if (res.status !== 201) throw new Error(`manifest ${repo}:${tag}: HTTP ${res.status} ${await res.text()}`)
}

export interface SeededImage {
  /** Per platform (`linux/amd64`): the manifest's digest, its blobs and the layer's inflated tar. */
  platforms: Record<string, { manifest: string; config: string; layer: string; layerTar: Buffer }>
  index: string
}

/** An image of one layer per platform under `repo:tag`, as an OCI index (a multi-platform image). */
export async function seedImage(base: string, repo: string, tag: string, platforms = ['linux/amd64', 'linux/arm64']): Promise<SeededImage> {
  const seeded: SeededImage = { platforms: {}, index: '' }
  const entries = []
  for (const p of platforms) {
    const [os, arch] = p.split('/') as [string, string]
    const layerTar = tarArchive([
      { name: 'etc/vmlab-test', data: Buffer.from(`hello from ${p}\n`) },
      { name: 'www/index.html', data: Buffer.from(`<h1>${repo} ${p}</h1>\n`) },
    ])
    const layerGz = gzipSync(layerTar)
    const config = Buffer.from(JSON.stringify({ architecture: arch, os, config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [digestOf(layerTar)] } }))
    const configDigest = await pushBlob(base, repo, config)
    const layerDigest = await pushBlob(base, repo, layerGz)
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layerGz.length }],
      }),
    )
    const manifestDigest = digestOf(manifest)
    await pushManifest(base, repo, manifestDigest, 'application/vnd.oci.image.manifest.v1+json', manifest)
    seeded.platforms[p] = { manifest: manifestDigest, config: configDigest, layer: layerDigest, layerTar }
    entries.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, platform: { os, architecture: arch } })
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries }))
  await pushManifest(base, repo, tag, 'application/vnd.oci.image.index.v1+json', index)
  seeded.index = digestOf(index)
  return seeded
}
