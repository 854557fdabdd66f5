/**
 * Docker Compose comes in two shapes on our nodes: the `docker compose` plugin (EL, Docker's repository) and
 * the Python `docker-compose` 1.x (Debian 12's package). Both take `-p NAME -f FILE up -d`; they differ in
 * how they list containers, so the listing goes through `docker ps` and the labels both set for v1.
 */
import { z } from 'zod'
import type { Family } from '../module.js'
import { shellQuote } from '../../guest/remote-command.js'
import { LabError } from '../../util/errors.js'
import { parseDockerJson, parseDockerJsonLines } from './docker-json.js'

export type ComposeCli = 'plugin' | 'v1' | 'none'

/** A probe section printing which compose the node has; the plugin wins when both are there. */
export const COMPOSE_CLI_SECTION = 'if docker compose version >/dev/null 2>&1; then echo plugin; elif command -v docker-compose >/dev/null 2>&1; then echo v1; else echo none; fi'

export function parseComposeCli(out: string): ComposeCli {
  const word = out.trim()
  if (word === 'plugin' || word === 'v1' || word === 'none') return word
  throw new LabError(`cannot tell which docker compose the node has (the probe printed ${JSON.stringify(out.slice(0, 100))})`)
}

/** The package that brings compose: Docker's plugin on EL, Debian's own docker-compose (1.29 on Debian 12). */
export function composePackage(family: Family): string {
  return family === 'debian' ? 'docker-compose' : 'docker-compose-plugin'
}

/** What installing composePackage gives. */
export function cliFromPackage(family: Family): ComposeCli {
  return family === 'debian' ? 'v1' : 'plugin'
}

/** `docker compose -p P -f F… ARGS` or `docker-compose -p P -f F… ARGS`. */
export function composeArgv(cli: ComposeCli, project: string, files: readonly string[], args: readonly string[]): string[] {
  if (cli === 'none') throw new LabError('docker compose is not installed')
  const head = cli === 'plugin' ? ['docker', 'compose'] : ['docker-compose']
  return [...head, '-p', project, ...files.flatMap((f) => ['-f', f]), ...args]
}

export interface ComposeContainer {
  name: string
  service: string
  /** running, exited, restarting, created, paused, dead. */
  state: string
}

/**
 * A probe section listing the project's containers, stopped ones included: the plugin's own `ps` (it needs
 * no compose file with `-p`), otherwise `docker ps` by the project label. stderr is merged so that a
 * failure says why; parseComposePs keeps only the JSON lines.
 */
export function composePsSection(project: string): string {
  const label = shellQuote(`label=com.docker.compose.project=${project}`)
  return [
    'if docker compose version >/dev/null 2>&1; then',
    `  docker compose -p ${shellQuote(project)} ps -a --format json 2>&1`,
    'else',
    `  docker ps -a --filter ${label} --format '{{json .}}' 2>&1`,
    'fi',
  ].join('\n')
}

const ComposePsEntry = z.object({ Name: z.string(), Service: z.string(), State: z.string() })
const DockerPsEntry = z.object({ Names: z.string(), Labels: z.string().default(''), State: z.string().optional(), Status: z.string().default('') })

/**
 * Reads composePsSection's output. The plugin prints a JSON array before 2.21 and one object per line since;
 * `docker ps` prints one object per line with the labels as one `k=v,k=v` string.
 */
export function parseComposePs(cli: ComposeCli, out: string, code: number, node: string): ComposeContainer[] {
  const what = cli === 'plugin' ? 'docker compose ps --format json' : 'docker ps --format json'
  if (code !== 0) {
    const said = out.trim().split('\n').slice(-3).join('\n')
    throw new LabError(`${node}: \`${what}\` exited with ${code}${said ? `: ${said}` : ''}`, { hint: `docker must be installed and running on ${node}: run the docker module first` })
  }
  const json = out
    .split('\n')
    .filter((l) => l.startsWith('{') || l.startsWith('['))
    .join('\n')
  if (cli === 'plugin') {
    const entries = json.startsWith('[') ? parseDockerJson(z.array(ComposePsEntry), json, what, node) : parseDockerJsonLines(ComposePsEntry, json, what, node)
    return entries.map((e) => ({ name: e.Name, service: e.Service, state: e.State }))
  }
  return parseDockerJsonLines(DockerPsEntry, json, what, node).map((e) => ({
    name: e.Names,
    service: /(?:^|,)com\.docker\.compose\.service=([^,]*)/.exec(e.Labels)?.[1] ?? '',
    // docker before 20.10 prints no State; its Status reads "Up 3 minutes" while running.
    state: e.State ?? (/^Up\b/.test(e.Status) ? 'running' : 'exited'),
  }))
}
