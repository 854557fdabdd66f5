/** The bodies of `lab cache up|status|down`. */
import { loadLab } from '../../lab/load.js'
import { printJson } from '../json-output.js'
import type { CacheService } from '../../bundle/cache.js'

function table(services: CacheService[]): string {
  return services.map((s) => `${s.name.padEnd(34)} ${s.running ? 'running' : 'STOPPED'}  ${s.url.padEnd(24)} pid ${s.pid}  ${s.serves}\n`).join('')
}

export async function cacheUpCommand(file: string | undefined, opts: Record<string, unknown>): Promise<void> {
  const { cacheUp, DOCKER_HUB_URL } = await import('../../bundle/cache.js')
  const loaded = await loadLab(file, { allowDefault: true, missingFilesOk: true })
  const host = loaded.lab.network.hostIp
  const services = await cacheUp({
    stateDir: loaded.stateDir,
    upstreams: Array.isArray(opts.upstream) ? (opts.upstream as string[]) : [DOCKER_HUB_URL],
    port: opts.port as number,
    httpPort: opts.httpPort as number,
    listen: opts.listen as string,
    ...(typeof opts.bundle === 'string' ? { bundle: opts.bundle } : {}),
  })
  const shown = services.map((s) => ({ ...s, url: s.url.replace('HOST', host) }))
  if (opts.json) return printJson({ services: shown })
  process.stdout.write(table(shown))
  const hub = shown.find((s) => s.kind === 'registry-mirror' && s.serves === DOCKER_HUB_URL)
  if (hub) process.stdout.write(`the lab's nodes use it with: docker: { registry_mirrors: ["${hub.url}"] }\n`)
}

export async function cacheStatusCommand(file: string | undefined, opts: Record<string, unknown>): Promise<void> {
  const { cacheStatus } = await import('../../bundle/cache.js')
  const loaded = await loadLab(file, { allowDefault: true, missingFilesOk: true })
  const services = await cacheStatus(loaded.stateDir, loaded.lab.network.hostIp)
  if (opts.json) return printJson({ services })
  process.stdout.write(services.length ? table(services) : 'the classroom cache is not running (lab cache up starts it)\n')
}

export async function cacheDownCommand(file: string | undefined, opts: Record<string, unknown>): Promise<void> {
  const { cacheDown } = await import('../../bundle/cache.js')
  const loaded = await loadLab(file, { allowDefault: true, missingFilesOk: true })
  const stopped = await cacheDown(loaded.stateDir)
  if (opts.json) return printJson({ stopped })
  process.stdout.write(stopped.length ? `stopped ${stopped.join(', ')}\n` : 'nothing was running\n')
}
