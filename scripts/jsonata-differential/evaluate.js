// Evaluate JSONata expressions with jsonata-js (the version installed beside
// this file), one JSON line in, one JSON line out, in the shape of
// crates/jsonata/examples/eval_lines.rs. A bound of 2,000 nested evaluations
// stands in for a stack limit.
const jsonata = require('jsonata');
const readline = require('readline');

(async () => {
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line) continue;
    const c = JSON.parse(line);
    let out;
    try {
      const e = jsonata(c.expr);
      let depth = 0;
      e.assign(Symbol.for('jsonata.__evaluate_entry'), () => {
        if (++depth > 2000) throw { code: 'U1001', message: 'Stack overflow' };
      });
      e.assign(Symbol.for('jsonata.__evaluate_exit'), () => { depth--; });
      const r = await e.evaluate(c.data);
      if (r === undefined) out = { undefined: true };
      else if (typeof r === 'function') out = { function: true };
      else {
        // Non-finite numbers are written as AWS writes them ("Infinity").
        const text = JSON.stringify(r, (k, v) =>
          typeof v === 'number' && !isFinite(v) ? String(v) : v);
        out = { result: JSON.parse(text === undefined ? 'null' : text) };
      }
    } catch (x) {
      out = x.code ? { error: x.code, message: x.message }
                   : { error: 'JS', message: String(x.message || x).slice(0, 80) };
    }
    console.log(JSON.stringify(out));
  }
})();
