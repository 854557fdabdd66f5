/**
 * exec: a teacher's own command, run once: skipped when the `creates` path exists or the `unless` command
 * succeeds (both asked in one round trip). Without a guard it runs, and reports `changed`, every time.
 */
import type { Module } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import { commandText, shellQuote } from '../guest/remote-command.js'
import { LabError } from '../util/errors.js'
import { probeSections } from './lib/probe-script.js'
import { must } from './lib/must.js'

type Options = ModuleOptions<'exec'>
type Key = 'run'

export interface ExecProbe {
  /** The `creates` path exists. */
  created: boolean
  /** Exit status of the `unless` command, when there is one. */
  unlessCode?: number
}

function createsSection(path: string): string {
  return `[ -e ${shellQuote(path)} ]`
}

/** `unless` is shell text from the lab file: it runs under its own sh, its output is not wanted. */
function unlessSection(command: string): string {
  return `sh -c ${shellQuote(command)} >/dev/null 2>&1 </dev/null`
}

export function execModule(): Module<Options, ExecProbe, Key> {
  return {
    name: 'exec',

    async probe(ctx) {
      const { creates, unless } = ctx.options
      if (creates === undefined && unless === undefined) return { created: false }
      const sections: Record<string, string> = {}
      if (creates !== undefined) sections.creates = createsSection(creates)
      if (unless !== undefined) sections.unless = unlessSection(unless)
      const s = await probeSections(ctx.guest, ctx.node.name, sections)
      return { created: s.creates?.code === 0, ...(s.unless === undefined ? {} : { unlessCode: s.unless.code }) }
    },

    plan(ctx, p) {
      const { command, creates, unless } = ctx.options
      if (p.created || p.unlessCode === 0) return []
      const why = creates !== undefined ? `${creates} does not exist` : unless !== undefined ? `\`${unless}\` exited with ${p.unlessCode}` : 'it has no creates/unless guard, so it runs every time'
      return [{ key: 'run', what: `run \`${commandText(command)}\``, why }]
    },

    async apply(ctx, changes) {
      if (!changes.some((c) => c.key === 'run')) return
      const command = ctx.options.command
      // A string is shell text as the teacher wrote it; a list is argv, quoted word by word.
      const argv = typeof command === 'string' ? ['sh', '-c', command] : command
      await must(ctx.guest, ctx.node.name, argv)
    },

    async verify(ctx, { applied }) {
      const creates = ctx.options.creates
      if (creates === undefined || applied.length === 0) return
      const s = await probeSections(ctx.guest, ctx.node.name, { creates: createsSection(creates) })
      if (s.creates.code !== 0) {
        throw new LabError(`${ctx.node.name}: \`${commandText(ctx.options.command)}\` ran but ${creates} still does not exist`, {
          hint: 'creates: must name a path the command makes, or the command runs again on every run',
        })
      }
    },
  }
}

export default execModule()
