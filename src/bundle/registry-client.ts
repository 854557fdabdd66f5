/**
 * Pulls an image from a registry with the distribution HTTP API v2 (manifest, then its config and layers as
 * blobs) into an OCI layout: no Docker engine needed. Anonymous bearer tokens (Docker Hub's) are fetched when
 * the registry asks for them; a multi-platform index is narrowed to one platform, the one `docker load` wants.
 */
import { Readable } from 'node:stream'
import { LabError } from '../util/errors.js'
import { type Descriptor, hasBlob, initLayout, tagInIndex, writeBlob } from './oci-layout.js'
import { type ImageRef, fullName } from './image-ref.js'

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'])

export interface PullOptions {
  /** `linux/amd64` by default. */
  platform?: string
  /** Registries spoken to over plain HTTP; loopback ones always are. */
  plainHttp?: (registry: string) => boolean
  onBytes?: (n: number) => void
}

export interface PulledImage {
  manifest: Descriptor
  /** The manifest, its config and its layers, each once. */
  blobs: Descriptor[]
  /** Bytes of all blobs (what the image costs in the bundle). */
  size: number
  /** Blobs fetched now (the others were in the layout already). */
  fetched: number
}

interface ImageManifest {
  mediaType?: string
  config: Descriptor
  layers: Descriptor[]
  manifests?: undefined
}

interface IndexManifest {
  mediaType?: string
  manifests: Array<Descriptor & { platform?: { os: string; architecture: string; variant?: string } }>
}

export function isLoopback(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}

export class RegistryClient {
  private tokens = new Map<string, string>()
  constructor(private readonly opts: Pick<PullOptions, 'plainHttp'> = {}) {}

  base(ref: ImageRef): string {
    const plain = isLoopback(ref.registry) || this.opts.plainHttp?.(ref.registry) === true
    return `${plain ? 'http' : 'https'}://${ref.registry}/v2/${ref.repository}`
  }

  /** GET with the registry's token dance: a 401 names the realm that hands out an anonymous token. */
  async get(ref: ImageRef, path: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = `${this.base(ref)}/${path}`
    const key = `${ref.registry}/${ref.repository}`
    const attempt = async (): Promise<Response> => {
      const token = this.tokens.get(key)
      try {
        return await fetch(url, { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) }, redirect: 'follow' })
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause
        throw new LabError(`cannot reach the registry ${ref.registry} for ${ref.text}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, {
          hint: 'this needs the network: run `lab bundle create` on a machine that reaches the registry, or name a registry you can reach',
          cause: err,
        })
      }
    }
    let res = await attempt()
    if (res.status === 401 && !this.tokens.has(key)) {
      const challenge = res.headers.get('www-authenticate') ?? ''
      await res.body?.cancel()
      const token = await this.token(ref, challenge)
      if (token !== undefined) {
        this.tokens.set(key, token)
        res = await attempt()
      }
    }
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).slice(0, 300)
      const what = res.status === 404 ? 'not found' : res.status === 401 || res.status === 403 ? 'access denied (anonymous pull refused)' : `HTTP ${res.status}`
      throw new LabError(`${ref.text}: ${what} at ${url}${text ? `: ${text.trim()}` : ''}`, {
        hint: res.status === 404 ? 'check the image name and tag' : res.status === 429 ? 'the registry limits anonymous pulls: wait, or log in on a mirror' : 'check the registry',
      })
    }
    return res
  }

  private async token(ref: ImageRef, challenge: string): Promise<string | undefined> {
    if (!/^Bearer /i.test(challenge)) return undefined
    const params = Object.fromEntries([...challenge.slice(7).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))
    if (!params.realm) return undefined
    const url = new URL(params.realm)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', params.scope ?? `repository:${ref.repository}:pull`)
    const res = await fetch(url).catch((err: unknown) => {
      throw new LabError(`cannot get a pull token for ${ref.text} from ${url.origin}: ${(err as Error).message}`)
    })
    if (!res.ok) throw new LabError(`the registry's token service ${url.origin} refused a pull token for ${ref.text} (HTTP ${res.status})`)
    const body = (await res.json()) as { token?: string; access_token?: string }
    return body.token ?? body.access_token
  }

  async manifest(ref: ImageRef, reference: string = ref.reference): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
    const res = await this.get(ref, `manifests/${reference}`, { accept: MANIFEST_TYPES.join(', ') })
    const bytes = Buffer.from(await res.arrayBuffer())
    const { createHash } = await import('node:crypto')
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`
    if (reference.startsWith('sha256:') && digest !== reference) throw new LabError(`${ref.text}: the registry sent a manifest of digest ${digest} for ${reference}`)
    const mediaType = res.headers.get('content-type')?.split(';')[0]?.trim() || (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType || MANIFEST_TYPES[0]!
    return { descriptor: { mediaType, digest, size: bytes.length }, bytes }
  }

  /** The image into `layout`, named there by its full name; blobs the layout has are not fetched again. */
  async pull(ref: ImageRef, layout: string, opts: PullOptions = {}): Promise<PulledImage> {
    const platform = opts.platform ?? 'linux/amd64'
    await initLayout(layout)
    let { descriptor, bytes } = await this.manifest(ref)
    if (INDEX_TYPES.has(descriptor.mediaType)) {
      const index = JSON.parse(bytes.toString('utf8')) as IndexManifest
      const [os, arch, variant] = platform.split('/')
      const pick = index.manifests.find((m) => m.platform?.os === os && m.platform?.architecture === arch && (variant === undefined || m.platform?.variant === variant))
      if (!pick) {
        const have = index.manifests.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}` : '?')).join(', ')
        throw new LabError(`${ref.text} has no ${platform} image (it has ${have})`)
      }
      ;({ descriptor, bytes } = await this.manifest(ref, pick.digest))
    }
    const manifest = JSON.parse(bytes.toString('utf8')) as ImageManifest
    if (!manifest.config || !Array.isArray(manifest.layers)) throw new LabError(`${ref.text}: the manifest (${descriptor.mediaType}) has no config and layers; schema 1 images are not supported`)
    let fetched = 0
    const blobs: Descriptor[] = [descriptor]
    for (const d of [manifest.config, ...manifest.layers]) {
      if (blobs.some((b) => b.digest === d.digest)) continue
      blobs.push(d)
      if (await hasBlob(layout, d)) continue
      const res = await this.get(ref, `blobs/${d.digest}`)
      await writeBlob(layout, d, Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), opts.onBytes)
      fetched++
    }
    // The manifest goes in last: a layout that names an image has all of its blobs.
    if (!(await hasBlob(layout, descriptor))) await writeBlob(layout, descriptor, bytes)
    await tagInIndex(layout, descriptor, fullName(ref))
    return { manifest: descriptor, blobs, size: blobs.reduce((n, b) => n + b.size, 0), fetched }
  }
}
