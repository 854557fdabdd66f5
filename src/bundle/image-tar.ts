/**
 * One image of the bundle as the tar `docker load -i` takes, in both forms at once, as `docker save` of
 * Docker 25+ writes it: an OCI layout (index.json, blobs/sha256/…: containerd, Docker 25+, skopeo
 * `oci-archive:`) and the docker-archive manifest.json beside it, whose Config and Layers name the same blobs
 * (the only form Docker before 25, Debian 12's docker.io 20.10 among them, loads). Compressed layers are fine:
 * docker load inflates them, and the image config's diff_ids are of the inflated layers either way.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LabError } from '../util/errors.js'
import { type ImageArtifact, IMAGES_DIR } from './manifest.js'
import { blobPath, CONTAINERD_NAME, REF_NAME } from './oci-layout.js'
import { tarArchive, type TarEntry } from './tar.js'
import { dockerName, fullName, parseImageRef } from './image-ref.js'

export async function imageTar(bundleDir: string, image: ImageArtifact): Promise<Buffer> {
  const layout = join(bundleDir, IMAGES_DIR)
  const read = async (digest: string): Promise<Buffer> => {
    try {
      return await readFile(blobPath(layout, digest))
    } catch (err) {
      throw new LabError(`bundle ${bundleDir}: blob ${digest} of image ${image.name} cannot be read: ${(err as Error).message}`, {
        hint: `run \`lab bundle verify ${bundleDir}\`: it names what is missing and the fix`,
      })
    }
  }
  const manifestDigest = `sha256:${image.sha256}`
  const manifestBytes = await read(manifestDigest)
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as { config: { digest: string }; layers: Array<{ digest: string }> }
  const blobs: TarEntry[] = []
  for (const b of image.blobs) blobs.push({ name: `blobs/sha256/${b.digest.slice(7)}`, data: b.digest === manifestDigest ? manifestBytes : await read(b.digest) })
  const ref = parseImageRef(image.name)
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: image.mediaType, digest: manifestDigest, size: manifestBytes.length, annotations: { [REF_NAME]: fullName(ref), [CONTAINERD_NAME]: fullName(ref) } }],
  }
  const dockerManifest = [{ Config: `blobs/sha256/${manifest.config.digest.slice(7)}`, RepoTags: [dockerName(ref)], Layers: manifest.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) }]
  return tarArchive([
    { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}\n') },
    { name: 'index.json', data: Buffer.from(JSON.stringify(index)) },
    { name: 'manifest.json', data: Buffer.from(JSON.stringify(dockerManifest)) },
    { name: 'blobs/', data: Buffer.alloc(0), dir: true },
    { name: 'blobs/sha256/', data: Buffer.alloc(0), dir: true },
    ...blobs,
  ])
}
