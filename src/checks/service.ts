import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { firstManager } from '../lab/targets.js'

/** `docker service ls` shows the service with all its replicas running. */
export const serviceCheck: Check<CheckOptions<'service'>> = async ({ lab, options, guest }) => {
  const manager = firstManager(lab)
  const { guest: g } = await guest(manager)
  const r = await g.exec(['docker', 'service', 'ls', '--filter', `name=${options.name}`, '--format', '{{.Name}} {{.Replicas}}'])
  const line = r.stdout.split('\n').find((l) => l.split(' ')[0] === options.name)
  const replicas = line?.split(' ')[1] ?? ''
  const [running, wanted] = replicas.split('/').map(Number)
  return [
    {
      on: manager,
      passed: r.code === 0 && running === options.replicas && wanted === options.replicas,
      expected: `service ${options.name} ${options.replicas}/${options.replicas}`,
      found: line ? `${options.name} ${replicas}` : r.code === 0 ? `no service ${options.name}` : r.stderr.trim(),
    },
  ]
}
