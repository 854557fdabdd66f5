import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../util/package-root.js'
import Handlebars from 'handlebars'
import { ksQuote, shQuote } from './quote.js'

/** The kickstart templates live in <package root>/kickstart (from src/ under tsx and from dist/ alike). */

export type KickstartFamily = 'el7' | 'el8' | 'el9' | 'el10'

/** The template each family is written from: RHEL 10's syntax takes the EL9 one as it is (timesource, --inst-langs). */
const TEMPLATE_FILE: Record<KickstartFamily, string> = { el7: 'el7', el8: 'el8', el9: 'el9', el10: 'el9' }

function readTemplate(path: string): string {
  // a template saved with CRLF must not leak CR into the kickstart
  return readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r\n/g, '\n')
}

function stringArg(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new Error(`template helper ${name} needs a string, got ${typeof value}`)
  return value
}

let compiled: Map<KickstartFamily, Handlebars.TemplateDelegate> | undefined

export function kickstartTemplate(family: KickstartFamily): Handlebars.TemplateDelegate {
  if (!compiled) {
    const hbs = Handlebars.create()
    hbs.registerHelper('q', (v: unknown) => ksQuote(stringArg('q', v)))
    hbs.registerHelper('sh', (v: unknown) => shQuote(stringArg('sh', v)))
    const dir = join(packageRoot(), 'kickstart')
    const partials = join(dir, 'partials')
    for (const file of readdirSync(partials).filter((f) => f.endsWith('.hbs'))) {
      hbs.registerPartial(file.slice(0, -'.hbs'.length), readTemplate(join(partials, file)))
    }
    compiled = new Map()
    for (const [f, file] of Object.entries(TEMPLATE_FILE) as [KickstartFamily, string][]) {
      // noEscape: HTML escaping would turn = and ' into entities (--ip&#x3D;…)
      compiled.set(f, hbs.compile(readTemplate(join(dir, `${file}.ks.hbs`)), { noEscape: true, strict: true }))
    }
  }
  return compiled.get(family) as Handlebars.TemplateDelegate
}
