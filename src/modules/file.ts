/**
 * file: a file on the node from inline `content` or a Handlebars `template` (beside the lab file), with its
 * mode and owner. Only the checksum travels in the probe unless the file differs.
 */
import { readFile } from 'node:fs/promises'
import Handlebars from 'handlebars'
import type { Module, ModuleContext } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import { InputError } from '../util/errors.js'
import { probeSections } from './lib/probe-script.js'
import { fileChange, fileSection, parseFileSection, sha256, writeFile, type RemoteFile, type WantedFile } from './lib/remote-file.js'
import { expectConverged } from './lib/converged.js'

type Options = ModuleOptions<'file'>
type Key = 'file'

export interface FileProbe {
  current: RemoteFile
  wanted: WantedFile
}

/** Renders a template with the lab, this node and all nodes; a name the data lacks is an error, not ''. */
export function renderTemplate(source: string, ctx: Pick<ModuleContext<Options>, 'lab' | 'node'>, name: string): string {
  try {
    // noEscape: the output is a configuration file, not HTML.
    return Handlebars.create().compile(source, { noEscape: true, strict: true })({ lab: ctx.lab, node: ctx.node, nodes: ctx.lab.nodes })
  } catch (error) {
    throw new InputError(`template ${name}: ${(error as Error).message}`, 'the template sees lab, node and nodes (e.g. {{node.fqdn}}, {{#each nodes}}{{ip}} {{name}}{{/each}})')
  }
}

/** `owner` is `user` or `user:group`. */
function ownership(owner: string): { owner: string; group?: string } {
  const [user, group] = owner.split(':')
  return group === undefined || group === '' ? { owner: user! } : { owner: user!, group }
}

async function wantedFile(ctx: ModuleContext<Options>): Promise<WantedFile> {
  const o = ctx.options
  let content = o.content
  if (content === undefined) {
    const path = ctx.labFile(o.template!)
    const source = await readFile(path, 'utf8').catch((error: Error) => {
      throw new InputError(`cannot read the template ${o.template}: ${error.message}`, 'template: is a path relative to the lab file')
    })
    content = renderTemplate(source, ctx, o.template!)
  }
  return { path: o.path, content, mode: Number.parseInt(o.mode, 8), ...ownership(o.owner) }
}

export function fileModule(): Module<Options, FileProbe, Key> {
  const file: Module<Options, FileProbe, Key> = {
    name: 'file',

    async probe(ctx) {
      const wanted = await wantedFile(ctx)
      const s = await probeSections(ctx.guest, ctx.node.name, { file: fileSection(wanted.path, sha256(wanted.content)) })
      return { current: parseFileSection(wanted.path, s.file.out), wanted }
    },

    plan(ctx, p) {
      const c = fileChange('file', p.current, p.wanted, ctx.options.template === undefined ? 'the lab gives its content' : `rendered from ${ctx.options.template}`)
      return c ? [c] : []
    },

    async apply(ctx, changes, p) {
      if (changes.some((c) => c.key === 'file')) await writeFile(ctx.guest, ctx.node.name, ctx.facts, p.current, p.wanted)
    },

    verify(ctx, run) {
      return expectConverged(file, ctx, run)
    },
  }
  return file
}

export default fileModule()
