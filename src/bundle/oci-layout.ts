/**
 * An OCI image layout folder (`oci-layout`, `index.json`, `blobs/sha256/…`): what skopeo reads as `oci:DIR` and,
 * packed by image-tar.ts, what `docker load` takes. Blobs are stored once however many images share them.
 */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { LabError } from '../util/errors.js'
import { fsError } from '../util/fs-errors.js'

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
}

export const REF_NAME = 'org.opencontainers.image.ref.name'
export const CONTAINERD_NAME = 'io.containerd.image.name'

export function blobPath(layout: string, digest: string): string {
  const [algo, hex] = digest.split(':')
  if (algo !== 'sha256' || !/^[0-9a-f]{64}$/.test(hex ?? '')) throw new LabError(`not a sha256 digest: ${digest}`)
  return join(layout, 'blobs', 'sha256', hex!)
}

export async function initLayout(layout: string): Promise<void> {
  try {
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true })
    await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}\n')
    await stat(join(layout, 'index.json')).catch(() => writeFile(join(layout, 'index.json'), indexText([])))
  } catch (err) {
    throw fsError(err, { path: layout })
  }
}

function indexText(manifests: Descriptor[]): string {
  return `${JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }, null, 2)}\n`
}

export async function readIndex(layout: string): Promise<Descriptor[]> {
  const text = await readFile(join(layout, 'index.json'), 'utf8')
  return (JSON.parse(text) as { manifests?: Descriptor[] }).manifests ?? []
}

/** Names `manifest` in index.json as `name`, replacing what the name meant before. */
export async function tagInIndex(layout: string, manifest: Descriptor, name: string): Promise<void> {
  const others = (await readIndex(layout)).filter((d) => d.annotations?.[REF_NAME] !== name)
  const entry: Descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size, annotations: { [REF_NAME]: name, [CONTAINERD_NAME]: name } }
  try {
    await writeFile(join(layout, 'index.json'), indexText([...others, entry]))
  } catch (err) {
    throw fsError(err, { path: join(layout, 'index.json') })
  }
}

/** Whether the blob is there with its size (its content is what `lab bundle verify` re-hashes). */
export async function hasBlob(layout: string, d: { digest: string; size: number }): Promise<boolean> {
  const st = await stat(blobPath(layout, d.digest)).catch(() => undefined)
  return st?.isFile() === true && st.size === d.size
}

/** Writes a blob from a stream, only under its own digest once the content matches it. */
export async function writeBlob(layout: string, d: { digest: string; size: number }, body: Readable | Buffer, onBytes?: (n: number) => void): Promise<void> {
  const dest = blobPath(layout, d.digest)
  const part = `${dest}.part`
  const hash = createHash('sha256')
  let bytes = 0
  try {
    await pipeline(
      Buffer.isBuffer(body) ? Readable.from([body]) : body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk)
          bytes += chunk.length
          onBytes?.(chunk.length)
          yield chunk
        }
      },
      createWriteStream(part),
    )
  } catch (err) {
    await rm(part, { force: true })
    throw fsError(err, { path: dest })
  }
  const got = `sha256:${hash.digest('hex')}`
  if (got !== d.digest || bytes !== d.size) {
    await rm(part, { force: true })
    throw new LabError(`blob ${d.digest} arrived as ${got} (${bytes} bytes, expected ${d.size}); it was not kept`, { hint: 'the registry or a proxy sent other content: run the command again' })
  }
  await rename(part, dest)
}
