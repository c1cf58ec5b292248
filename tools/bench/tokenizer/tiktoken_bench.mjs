// tiktoken@1.0.22 (WebAssembly) throughput on the files bench-tokenizer wrote.
//   node tiktoken_bench.mjs NODE_MODULES NAME=FILE...   -> one JSON object {NAME: {mb_s, tokens}}
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [nodeModules, ...inputs] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(nodeModules), 'noop.js'));
const { Tiktoken } = require('tiktoken/lite');
const o200k = require('tiktoken/encoders/o200k_base.json');
const enc = new Tiktoken(o200k.bpe_ranks, o200k.special_tokens, o200k.pat_str);

const result = {};
for (const arg of inputs) {
  const eq = arg.indexOf('=');
  const name = arg.slice(0, eq);
  const text = fs.readFileSync(arg.slice(eq + 1), 'utf8');
  const bytes = Buffer.byteLength(text);
  let tokens = enc.encode(text, [], []).length; // warm-up
  // CPU time (user + system), like bench-tokenizer: the machine is shared.
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  let runs = 0;
  const t0 = cpu();
  let elapsed = 0;
  while (runs < 2 || elapsed < 1.0) {
    tokens = enc.encode(text, [], []).length;
    ++runs;
    elapsed = cpu() - t0;
  }
  const seconds = elapsed / runs;
  result[name] = { mb_s: bytes / 1e6 / seconds, ms: seconds * 1e3, tokens };
}
enc.free();
console.log(JSON.stringify(result));
