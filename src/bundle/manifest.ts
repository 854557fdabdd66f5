/**
 * A bundle is a folder with `manifest.json`: every artifact a lab needs offline, each with where it came from,
 * its size and SHA-256 and its path in the folder. Images live in one OCI layout (`images/`), named by the
 * digest of their manifest; their blobs are listed so that verify can re-hash each.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { InputError } from '../util/errors.js'
import { fsError } from '../util/fs-errors.js'
import { dockerName, parseImageRef } from './image-ref.js'

export const MANIFEST = 'manifest.json'
export const FORMAT = 'vmlab-bundle/1'
export const IMAGES_DIR = 'images'

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, { error: 'a sha256 is 64 lower-case hex digits' })
const relPath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), { error: 'a path inside the bundle (relative, no ..)' })
const blob = z.strictObject({ digest: z.string().regex(/^sha256:[0-9a-f]{64}$/), size: z.number().int().min(0) })

const collected = {
  name: z.string().min(1),
  source: z.string().min(1),
  size: z.number().int().min(0),
  sha256,
  path: relPath,
}

export const artifactSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('iso'), ...collected }),
  z.strictObject({ kind: z.literal('file'), ...collected }),
  z.strictObject({ kind: z.literal('image'), ...collected, mediaType: z.string().min(1), blobs: z.array(blob).min(2) }),
  // OS packages are named but not collected: that needs the OS's own package tools on a machine online.
  z.strictObject({
    kind: z.literal('package-repo'),
    name: z.string().min(1),
    source: z.string().min(1),
    packages: z.array(z.string().min(1)),
    status: z.literal('needs-network'),
    path: relPath,
  }),
])

export const manifestSchema = z.strictObject({
  format: z.literal(FORMAT),
  lab: z.string().min(1),
  created: z.string().min(1),
  artifacts: z.array(artifactSchema),
})

export type Artifact = z.output<typeof artifactSchema>
export type ImageArtifact = Extract<Artifact, { kind: 'image' }>
export type BundleManifest = z.output<typeof manifestSchema>

export interface OpenedBundle {
  dir: string
  manifest: BundleManifest
}

/** The bundle's manifest, checked; a folder that is not a bundle is bad input that says which and why. */
export async function readBundle(dir: string): Promise<OpenedBundle> {
  const abs = resolve(dir)
  const path = join(abs, MANIFEST)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new InputError(`${dir} is not a bundle: ${path} does not exist`, 'give the folder `lab bundle create` wrote (it holds manifest.json), or make one with `lab bundle create LAB --out DIR`')
    throw fsError(err, { doing: 'cannot read', path })
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new InputError(`${path} is not JSON: ${(err as Error).message}`, 'the manifest was damaged: make the bundle again with `lab bundle create`')
  }
  const parsed = manifestSchema.safeParse(data)
  if (!parsed.success) {
    const first = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`)
    throw new InputError(`${path} is not a vmlab bundle manifest (${FORMAT}): ${first.join('; ')}`, 'make the bundle again with `lab bundle create`')
  }
  return { dir: abs, manifest: parsed.data }
}

export async function writeManifest(dir: string, manifest: BundleManifest): Promise<void> {
  const path = join(dir, MANIFEST)
  try {
    await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`)
  } catch (err) {
    throw fsError(err, { path })
  }
}

/** The image artifact for a reference as a lab names it (`busybox` finds `busybox:latest`). */
export function findImage(manifest: BundleManifest, name: string): ImageArtifact | undefined {
  const wanted = dockerName(parseImageRef(name))
  return manifest.artifacts.find((a): a is ImageArtifact => a.kind === 'image' && a.name === wanted)
}
