// Reading a state machine definition (ASL, parsed) for the views: its
// states by name, however deeply nested. Pure functions: no DOM, no network.
// (The graph reads definitions its own way, in graph.js.)

export function parseDefinition(text) {
  try {
    return typeof text === 'string' ? JSON.parse(text) : text || {};
  } catch {
    return {};
  }
}

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The state machines a Parallel or Map state runs (its branches, its processor). */
function innerMachines(s) {
  return [...(Array.isArray(s.Branches) ? s.Branches : []), s.ItemProcessor, s.Iterator].filter(isObj);
}

/** Every state of a definition, nested ones included, as `[name, state]`. */
export function statesOf(def) {
  const out = [];
  const walk = (machine) => {
    if (!isObj(machine) || !isObj(machine.States)) return;
    for (const [name, s] of Object.entries(machine.States)) {
      if (!isObj(s)) continue;
      out.push([name, s]);
      innerMachines(s).forEach(walk);
    }
  };
  walk(def);
  return out;
}

/** A state's definition, found by name anywhere in the definition. */
export function findState(def, name) {
  const found = statesOf(def).find(([n]) => n === name);
  return found ? found[1] : null;
}

/**
 * The Error and Cause of each Fail state that names them (not by a path or
 * a JSONata expression): what its history does not record.
 */
export function failErrors(def) {
  const fixed = (v) => (typeof v === 'string' && !v.trim().startsWith('{%') ? v : undefined);
  const out = new Map();
  for (const [name, s] of statesOf(def)) {
    if (s.Type !== 'Fail') continue;
    const error = fixed(s.Error);
    const cause = fixed(s.Cause);
    if (error !== undefined || cause !== undefined) out.set(name, { error, cause });
  }
  return out;
}

/**
 * The states each Distributed Map runs in its child executions, nested ones
 * included: `[map name, state names]`.
 */
export function distributedStates(def) {
  return statesOf(def)
    .filter(([, s]) => s.Type === 'Map' && isObj(s.ItemProcessor) && isObj(s.ItemProcessor.ProcessorConfig)
      && s.ItemProcessor.ProcessorConfig.Mode === 'DISTRIBUTED')
    .map(([name, s]) => [name, statesOf(s.ItemProcessor).map(([inner]) => inner)]);
}
