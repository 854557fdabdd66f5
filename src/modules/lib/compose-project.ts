/**
 * A compose project as the lab file names it: the compose file and the files it needs, read from beside
 * the lab file, and where each one goes on the node. The files keep their places relative to the compose
 * file's folder, so that `./nginx.conf` in a volume still finds its file.
 */
import { readFile, stat } from 'node:fs/promises'
import { dirname, isAbsolute, posix, relative, sep } from 'node:path'
import { parse } from 'yaml'
import { InputError } from '../../util/errors.js'

export const COMPOSE_ROOT = '/opt/vmlab/compose'

export interface ProjectFile {
  /** As the lab file names it. */
  name: string
  /** Path on the node. */
  remote: string
  content: string
  /** The local file's execute bits kept (entrypoint scripts), always readable. */
  mode: number
}

export interface ComposeProject {
  /** The compose file first. */
  files: ProjectFile[]
  /** Services that `up -d` starts: every one but those behind a profile or scaled to 0. */
  services: string[]
  /** Some service builds its image, so changed files call for `--build`. */
  builds: boolean
}

export function projectDir(project: string): string {
  return `${COMPOSE_ROOT}/${project}`
}

export async function loadProject(options: { project: string; file: string; files: string[] }, labFile: (rel: string) => string): Promise<ComposeProject> {
  const composePath = labFile(options.file)
  const base = dirname(composePath)
  const dir = projectDir(options.project)
  const files: ProjectFile[] = []
  for (const name of [options.file, ...options.files]) {
    const local = name === options.file ? composePath : labFile(name)
    const rel = relative(base, local)
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new InputError(
        `compose: ${name} is not inside ${dirname(options.file) || '.'}, the folder of the compose file ${options.file}`,
        "put the files the project needs in the compose file's folder (or below it): they are copied with the same layout",
      )
    }
    files.push({ name, remote: posix.join(dir, rel.split(sep).join('/')), ...(await readText(name, local)) })
  }
  return { files, ...services(files[0]!) }
}

async function readText(name: string, path: string): Promise<{ content: string; mode: number }> {
  let bytes: Buffer
  let mode: number
  try {
    bytes = await readFile(path)
    mode = (await stat(path)).mode
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message
    throw new InputError(`compose: cannot read ${name} (${path}): ${why}`, 'paths in the compose module are relative to the lab file')
  }
  const content = bytes.toString('utf8')
  if (!Buffer.from(content, 'utf8').equals(bytes)) {
    throw new InputError(`compose: ${name} is not a UTF-8 text file`, 'the compose module copies text files (compose files, configs, scripts, pages); build binary content into an image instead')
  }
  return { content, mode: (mode & 0o755) | 0o644 }
}

function services(file: ProjectFile): Omit<ComposeProject, 'files'> {
  let doc: unknown
  try {
    doc = parse(file.content)
  } catch (error) {
    throw new InputError(`compose: ${file.name} is not valid YAML: ${(error as Error).message}`)
  }
  const list = (doc as { services?: unknown } | null)?.services
  if (typeof list !== 'object' || list === null || Array.isArray(list) || Object.keys(list).length === 0) {
    throw new InputError(`compose: ${file.name} declares no services`, 'a compose file lists its containers under `services:`')
  }
  const entries = Object.entries(list as Record<string, unknown>).map(([name, s]) => [name, (s ?? {}) as Record<string, unknown>] as const)
  const started = entries.filter(([, s]) => {
    const profiles = s.profiles
    const replicas = (s.deploy as { replicas?: unknown } | undefined)?.replicas
    return !(Array.isArray(profiles) && profiles.length > 0) && replicas !== 0 && s.scale !== 0
  })
  return { services: started.map(([name]) => name), builds: entries.some(([, s]) => s.build !== undefined) }
}
