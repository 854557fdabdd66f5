/**
 * Parameter verification as pve-common's JSONSchema.pm does it (its texts), from the published schema (schema/api-params.json):
 * a parameter the endpoint does not declare, a missing one, a wrong type, enum or range is HTTP 400
 * "Parameter verification failed." with one message per parameter, in PVE's words. Path parameters ({node},
 * {vmid}, …) are in the schema too; they come from the path, not the query or the form.
 */
import { readFileSync } from 'node:fs'

interface ParamSchema {
  type?: string
  optional?: number
  enum?: string[]
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  format?: string
}
interface Endpoint {
  params: Record<string, ParamSchema>
  returns: string
}
export interface ApiParams {
  source: string
  endpoints: Record<string, Endpoint>
}

export const API_PARAMS: ApiParams = JSON.parse(readFileSync(new URL('./schema/api-params.json', import.meta.url), 'utf8'))

const routes = Object.entries(API_PARAMS.endpoints).map(([key, endpoint]) => {
  const [method, path] = key.split(' ') as [string, string]
  const names: string[] = []
  const re = new RegExp(
    `^${path.replace(/\{([^}]+)\}|[^{]+/g, (m, name?: string) => {
      if (name === undefined) return m.replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      names.push(name)
      return '([^/]+)'
    })}$`,
  )
  return { method, key, re, names, endpoint }
})

/** The schema's endpoint for a call, e.g. `POST /nodes/{node}/qemu/{vmid}/clone`, or undefined. */
export function endpointOf(method: string, path: string): { key: string; endpoint: Endpoint; pathParams: string[] } | undefined {
  for (const r of routes) if (r.method === method && r.re.test(path)) return { key: r.key, endpoint: r.endpoint, pathParams: r.names }
  return undefined
}

/** `net0` is declared as `net[n]`. */
function declared(params: Record<string, ParamSchema>, name: string): ParamSchema | undefined {
  return params[name] ?? params[name.replace(/\d+$/, '[n]')]
}

/** PVE's messages for what is wrong with the call's parameters; empty when nothing is. */
export function verifyParams(method: string, path: string, given: Record<string, string>): Record<string, string> {
  const e = endpointOf(method, path)
  if (!e) return {}
  const errors: Record<string, string> = {}
  for (const [name, value] of Object.entries(given)) {
    const p = e.pathParams.includes(name) ? undefined : declared(e.endpoint.params, name)
    if (!p) {
      errors[name] = 'property is not defined in schema and the schema does not allow additional properties'
      continue
    }
    const problem = check(p, value)
    if (problem) errors[name] = problem
  }
  for (const [name, p] of Object.entries(e.endpoint.params))
    if (!p.optional && !name.includes('[n]') && !e.pathParams.includes(name) && given[name] === undefined) errors[name] = 'property is missing and it is not optional'
  return errors
}

function check(p: ParamSchema, value: string): string | undefined {
  // JSONSchema.pm takes '1' and '0' only ('true' fails, its wider regex is commented out).
  if (p.type === 'boolean' && value !== '1' && value !== '0') return `type check ('boolean') failed - got '${value}'`
  if (p.type === 'integer' || p.type === 'number') {
    if (!(p.type === 'integer' ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/).test(value)) return `type check ('${p.type}') failed - got '${value}'`
    const n = Number(value)
    if (p.minimum !== undefined && n < p.minimum) return `value must have a minimum value of ${p.minimum}`
    if (p.maximum !== undefined && n > p.maximum) return `value must have a maximum value of ${p.maximum}`
  }
  if (p.enum && !p.enum.includes(value)) return `value '${value}' does not have a value in the enumeration '${p.enum.join(', ')}'`
  if (p.minLength !== undefined && value.length < p.minLength) return `value must be at least ${p.minLength} characters long`
  if (p.maxLength !== undefined && value.length > p.maxLength) return `value may only be ${p.maxLength} characters long`
  // pve_verify_urlencoded: cloud-init's sshkeys arrive percent-encoded (a key holds spaces and '+').
  if (p.format === 'urlencoded' && !/^[-%a-zA-Z0-9_.!~*'()]*$/.test(value)) return `invalid format - invalid urlencoded string: ${value}\n`
  return undefined
}
