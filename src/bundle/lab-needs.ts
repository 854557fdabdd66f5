/**
 * What a lab and its exercises take from outside the lab file: install ISOs, container images (named by the
 * modules, and in the compose files they copy), files the modules copy, and the OS packages they install.
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, join, relative } from 'node:path'
import { parseAllDocuments } from 'yaml'
import type { ResolvedLab } from '../lab/resolve.js'
import type { ModuleStep } from '../lab/module-options.js'
import type { IsoImage } from '../lab/os-catalog.js'
import { isRemoteFile } from '../lab/lab-files.js'

export interface NeededImage {
  image: string
  /** Which step names it, for messages: `service web`, `compose shop (files/compose.yaml)`. */
  by: string
}

export interface NeededFile {
  /** As the lab file names it (relative to the lab file), or a URL. */
  name: string
  /** Absolute path on this machine, or the URL to download. */
  source: string
  by: string
}

export interface LabNeeds {
  isos: IsoImage[]
  images: NeededImage[]
  files: NeededFile[]
  /** Packages the modules install (their bake list) and install.packages, for this OS. */
  packages: string[]
}

/** Every step that may run: the lab's modules, then each exercise's given and solution. */
export function allSteps(lab: ResolvedLab): ModuleStep[] {
  return [...lab.modules, ...lab.exercises.flatMap((e) => [...e.given, ...e.solution])]
}

function absolute(filesDir: string, p: string): string {
  return isAbsolute(p) ? p : join(filesDir, p)
}

/** The `image:` of every service of a compose file; a file that does not parse names none (validate tells why). */
export function composeImages(text: string): string[] {
  const found: string[] = []
  for (const doc of parseAllDocuments(text)) {
    const services = (doc.toJS() as { services?: Record<string, { image?: unknown }> } | null)?.services
    for (const s of Object.values(services ?? {})) if (typeof s?.image === 'string' && !s.image.includes('$')) found.push(s.image)
  }
  return found
}

function stepNeeds(step: ModuleStep, filesDir: string, images: NeededImage[], files: NeededFile[]): void {
  const file = (p: string, by: string) => {
    const remote = isRemoteFile(p)
    const source = remote ? p : absolute(filesDir, p)
    files.push({ name: remote ? p : relative(filesDir, source), source, by })
  }
  switch (step.module) {
    case 'service':
      images.push({ image: step.options.image, by: `service ${step.options.name}` })
      break
    case 'overlay':
      images.push({ image: step.options.image, by: `overlay ${step.options.service}` })
      break
    case 'registry':
      images.push({ image: step.options.image, by: 'registry' })
      break
    case 'portainer':
      for (const name of ['portainer/portainer-ce', 'portainer/agent']) images.push({ image: `${name}:${step.options.version}`, by: 'portainer' })
      break
    case 'harbor':
      file(step.options.installer, 'harbor installer')
      break
    case 'docker':
      for (const i of step.options.images) file(i.file, `docker.images ${i.name}`)
      break
    case 'file':
      if (step.options.template !== undefined) file(step.options.template, `file ${step.options.path}`)
      break
    case 'compose': {
      for (const f of [step.options.file, ...step.options.files]) file(f, `compose ${step.options.project}`)
      let text = ''
      try {
        text = readFileSync(absolute(filesDir, step.options.file), 'utf8')
      } catch {
        // A missing compose file is the loader's error to tell (lab-files.ts); the file entry above names it too.
      }
      for (const image of composeImages(text)) images.push({ image, by: `compose ${step.options.project} (${step.options.file})` })
      break
    }
    default:
      break
  }
}

function unique<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>()
  return items.filter((i) => !seen.has(key(i)) && (seen.add(key(i)), true))
}

/** The images the lab's steps name that come from a registry (not those the docker module loads from the lab's tarballs). */
export function labImages(lab: ResolvedLab, filesDir: string): NeededImage[] {
  const images: NeededImage[] = []
  for (const step of allSteps(lab)) stepNeeds(step, filesDir, images, [])
  const local = new Set(allSteps(lab).flatMap((s) => (s.module === 'docker' ? s.options.images.map((i) => i.name) : [])))
  return unique(
    images.filter((i) => !local.has(i.image)),
    (i) => i.image,
  )
}

export async function labNeeds(lab: ResolvedLab, filesDir: string): Promise<LabNeeds> {
  const files: NeededFile[] = []
  const packages: string[] = [...lab.install.packages]
  const { loadModule } = await import('../modules/index.js')
  for (const step of allSteps(lab)) {
    stepNeeds(step, filesDir, [], files)
    const module = await loadModule(step.module)
    packages.push(...(module.bake?.(lab.os.family, step.options) ?? []))
  }
  if (lab.install.image !== undefined) files.push({ name: lab.install.image, source: absolute(filesDir, lab.install.image.replace(/^~(?=\/)/, process.env.HOME ?? '~')), by: 'install.image' })
  // A cloud image or Debian's debootstrap image needs no install ISO; otherwise the ISO lab up would use first.
  const isos = lab.install.image === undefined && lab.os.isos.length ? [lab.os.isos[0]!] : []
  return { isos, images: labImages(lab, filesDir), files: unique(files, (f) => f.source), packages: [...new Set(packages)] }
}
