/** Module name → implementation, loaded on first use (one file per module). */
import type { ModuleName } from '../lab/module-options.js'
import type { Module } from './module.js'

// biome-ignore lint/suspicious/noExplicitAny: the registry holds modules of every option and probe type; loadModule's caller pairs a module with its own options
const LOADERS: Record<ModuleName, () => Promise<{ default: Module<any, any> }>> = {
  hosts: () => import('./hosts.js'),
  repos: () => import('./repos.js'),
  firewall: () => import('./firewall.js'),
  chrony: () => import('./chrony.js'),
  docker: () => import('./docker.js'),
  swarm: () => import('./swarm.js'),
  registry: () => import('./registry.js'),
  harbor: () => import('./harbor.js'),
  portainer: () => import('./portainer.js'),
  service: () => import('./service.js'),
  overlay: () => import('./overlay.js'),
  compose: () => import('./compose.js'),
  exec: () => import('./exec.js'),
  file: () => import('./file.js'),
}

// biome-ignore lint/suspicious/noExplicitAny: as LOADERS
export async function loadModule(name: ModuleName): Promise<Module<any, any>> {
  return (await LOADERS[name]()).default
}
