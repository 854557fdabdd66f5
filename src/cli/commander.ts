/**
 * commander's classes, required as the CommonJS package it is. An ESM `import` of it would cost `lab --help`
 * its ESM wrapper and Node's parse of its source for export names, a few milliseconds on every start.
 */
import { createRequire } from 'node:module'

const commander = createRequire(import.meta.url)('commander') as typeof import('commander')

export const { Command, CommanderError, InvalidArgumentError, Option } = commander
