import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { asUser } from './lib/as-user.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { commandText } from '../guest/remote-command.js'

/** A teacher's own check: a command's exit status (and output), as root or (`sudo: false`) as the lab's user. */
export const execCheck: Check<CheckOptions<'exec'>> = async ({ lab, options, guest }) => {
  const names = options.nodes === 'all' ? lab.nodes.map((n) => n.name) : options.nodes
  const user = options.sudo ? undefined : lab.install.user.name
  // Its own sh (or runuser's), so that an `exit` or a `cd` of the teacher's command stays inside it when it
  // shares a section script with the other checks' reads; stderr counts for `contains` as before.
  const argv = user !== undefined ? asUser(user, options.command) : typeof options.command === 'string' ? ['sh', '-c', options.command] : options.command
  const section = `${commandText(argv)} 2>&1`
  return Promise.all(
    names.map(async (name) => {
      const { guest: g } = await guest(name)
      const { command: r } = await probeSections(g, name, { command: section })
      const out = r.out
      const passed = r.code === options.exit && (options.contains === undefined || out.includes(options.contains))
      return {
        on: name,
        passed,
        expected: `exit ${options.exit}${options.contains ? ` and "${options.contains}"` : ''}${user === undefined ? '' : `, as ${user}`}`,
        found: `exit ${r.code}${options.contains && !out.includes(options.contains) ? `, output without "${options.contains}"` : ''}`,
      }
    }),
  )
}
