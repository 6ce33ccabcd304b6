import { readdirSync, readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * The Lua scripts in src/commands, named `<name>-<number of keys>.lua` (BullMQ's convention). They are read from
 * the package's src/commands folder both when running from src/ (tests) and from dist/: the package ships src.
 */
const COMMANDS_DIR = new URL('../src/commands/', import.meta.url);

export type ScriptName = 'readStudy' | 'commitChange' | 'updateTrial' | 'rebuildStudy' | 'readChanges' | 'releaseLock';

interface Script {
  name: ScriptName;
  numberOfKeys: number;
  lua: string;
}

let loaded: Script[] | undefined;

function loadScripts(): Script[] {
  if (loaded) return loaded;
  const scripts: Script[] = [];
  for (const file of readdirSync(COMMANDS_DIR)) {
    const match = /^([A-Za-z]+)-(\d+)\.lua$/.exec(file);
    if (!match) continue;
    scripts.push({
      name: match[1] as ScriptName,
      numberOfKeys: Number(match[2]),
      lua: readFileSync(new URL(file, COMMANDS_DIR), 'utf8'),
    });
  }
  loaded = scripts;
  return scripts;
}

const WANTED: ScriptName[] = ['readStudy', 'commitChange', 'updateTrial', 'rebuildStudy', 'readChanges', 'releaseLock'];

export function defineScripts(client: Redis): void {
  const scripts = loadScripts();
  for (const name of WANTED) {
    const script = scripts.find((s) => s.name === name);
    if (!script) throw new Error(`Lua script ${name}-N.lua is missing from ${COMMANDS_DIR.pathname}`);
    client.defineCommand(name, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }
}

/** Runs a script defined by defineScripts (EVALSHA, falling back to EVAL once per connection). */
export function runScript(
  client: Redis,
  name: ScriptName,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  const fn = (client as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name];
  if (!fn) throw new Error(`script ${name} is not defined on this connection`);
  return fn.call(client, ...keys, ...args);
}
