// Oracle for the C++ o200k tokenizer: the real tiktoken@1.0.22 (Rust compiled to WebAssembly)
// encodes seeded random strings and writes one JSON line per string: {"text", "tokens"}.
// tests/oracle/tokenizer/oracle_test.cpp then checks the C++ tokenizer gives the same ids.
//
//   node oracle.mjs NODE_MODULES OUT.jsonl [COUNT=20000] [SEED=20260424]
//
// The strings mix what breaks tokenizers: scripts with combining marks (Devanagari, Thai,
// Arabic), CJK, emoji with skin tones and ZWJ sequences, whitespace runs (CR LF, trailing
// spaces, NBSP, U+3000, U+0085), digits, source code, harmony marker look-alikes such as
// <|end|>, contractions (including the long s that case-folds to 's'), long runs that exercise
// the heap merge, and random code points from every plane (Unicode 15/16 letters included).
// No lone surrogates: a JS string carrying one reaches tiktoken as U+FFFD.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [nodeModules, outFile, countArg, seedArg] = process.argv.slice(2);
if (!nodeModules || !outFile) {
  console.error('usage: node oracle.mjs NODE_MODULES OUT.jsonl [COUNT] [SEED]');
  process.exit(2);
}
const count = Number(countArg ?? 20000);
let seed = Number(seedArg ?? 20260424) >>> 0;

const require = createRequire(path.join(path.resolve(nodeModules), 'noop.js'));
const { Tiktoken } = require('tiktoken/lite');
const o200k = require('tiktoken/encoders/o200k_base.json');
const enc = new Tiktoken(o200k.bpe_ranks, o200k.special_tokens, o200k.pat_str);

// mulberry32: small, seedable, the same on every machine.
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive
const pick = (a) => a[Math.floor(rand() * a.length)];
const cp = (lo, hi) => String.fromCodePoint(int(lo, hi));
const repeat = (f, lo, hi) => { let s = ''; for (let n = int(lo, hi); n > 0; --n) s += f(); return s; };

const words = ['the', 'The', 'THE', 'hello', 'World', 'iPhone', 'McDonald', 'HTTPServer', 'naïve', 'café',
  'über', 'Straße', 'ǅemal', 'ʰa', 'x', 'I', 'a', 'camelCase', 'snake_case', 'SCREAMING_CASE', 'don', 'we',
  'they', 'Œuvre', 'ΑΒΓ', 'αβγ', 'Привет', 'мир', 'שלום', 'ﬁne', 'İstanbul', 'ǈ', 'ᾈ'];
const contractions = ["'s", "'S", "'t", "'T", "'re", "'RE", "'Re", "'ve", "'VE", "'m", "'M", "'ll", "'LL", "'lL",
  "'d", "'D", "'ſ", "'", "''", "'x", "'r", "'v", "'l"];
const spaces = [' ', '  ', '    ', '\t', '\n', '\r\n', '\r', '\n\n', ' \n', '  \n ', '\u00a0', '\u3000', '\u2028',
  '\u2029', '\u0085', '\u000b', '\u000c', '\u1680', '\u2009', '\u202f', '\u205f', '\u200b', '\ufeff', ' \r\n  '];
const markers = ['<|end|>', '<|start|>', '<|channel|>', '<|message|>', '<|call|>', '<|return|>', '<|constrain|>',
  '<|endoftext|>', '<|endofprompt|>', '<|reserved_200013|>', '<|startoftext|>', '<|refusal|>', '<|', '|>',
  'to=functions.shell', ' <|constrain|>json', 'assistant<|channel|>analysis'];
const code = ['{', '}', '(', ')', '[', ']', ';', '::', '->', '=>', '==', '!==', '&&', '||', '//', '/*', '*/', '#include',
  '<?php', '$this->', '@param', 'std::vector<int>', 'fn main() {', 'return 0;', 'i++', '0x1F', '1e-9', '"', '\\n',
  '\\', '`', '```', '...', '---', '***', '<div class="x">', '</div>', '${', '%s', '\\u00e9', '/usr/bin/env', './a/b/',
  '*/\n', '//\r\n', '/\n/', '!/'];
const emoji = ['😀', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '👩🏾‍💻', '🇺🇸', '🇯🇵', '❤️', '1️⃣', '#️⃣', '🧑‍🤝‍🧑', '🫠', '⭐', '☕', '🤷‍♀️',
  '\u200d', '\ufe0f', '🏻'];
const numbers = ['0', '7', '42', '123', '1234', '12345678', '3.14159', '1,000,000', '٣٤٥', '१२३', '１２３', 'Ⅻ', '²³',
  '½', '𝟙𝟚', '⑳', '2024-06-01', 'v1.2.3', '0xDEADBEEF', '1e10'];

const fragments = [
  () => pick(words),
  () => pick(words) + pick(contractions),
  () => pick(contractions),
  () => pick(spaces),
  () => repeat(() => pick(spaces), 1, 6),
  () => pick(markers),
  () => pick(code),
  () => pick(emoji),
  () => repeat(() => pick(emoji), 1, 4),
  () => pick(numbers),
  () => repeat(() => cp(0x30, 0x39), 1, 12),
  () => repeat(() => cp(0x0900, 0x097f), 1, 12),            // Devanagari (letters, marks, digits)
  () => repeat(() => cp(0x0e00, 0x0e7f), 1, 12),            // Thai
  () => repeat(() => cp(0x0600, 0x06ff), 1, 12),            // Arabic
  () => repeat(() => cp(0x4e00, 0x9fff), 1, 12),            // CJK
  () => repeat(() => cp(0x3040, 0x30ff), 1, 8),             // kana
  () => repeat(() => cp(0xac00, 0xd7a3), 1, 8),             // Hangul
  () => repeat(() => cp(0x0400, 0x04ff), 1, 10),            // Cyrillic
  () => repeat(() => cp(0x00c0, 0x024f), 1, 10),            // Latin extended
  () => pick(['a', 'e', 'A', ' ', '']) + repeat(() => cp(0x0300, 0x036f), 1, 4), // combining marks
  () => repeat(() => cp(0x20, 0x7e), 1, 20),                // printable ASCII soup
  () => repeat(() => cp(0x00, 0x1f), 1, 3),                 // C0 controls
  () => repeat(() => cp(0x80, 0xff), 1, 4),                 // C1 controls, Latin-1
  () => randomCodePoint(),
  () => repeat(randomCodePoint, 1, 6),
  () => pick(['a', ' ', '=', '-', '\n', 'ab', 'xy', '0', ' a', '\t', 'é', '中', '😀']).repeat(int(20, 400)), // long runs
  () => repeat(() => cp(0x61, 0x7a), 100, 300),             // long letter pieces: heap merge
  () => Buffer.from(Array.from({ length: int(30, 300) }, () => int(0, 255))).toString('base64'),
  () => pick(probeBefore) + repeat(versionProbe, 1, 2) + pick(probeAfter),
  () => pick(probeBefore) + randomCodePoint() + pick(probeAfter),
];

// Blocks added in Unicode 15.0, 15.1, 16.0 (tiktoken's tables know them) and 17.0 (they do not):
// their characters must get tiktoken's classes, which only shows in contexts that depend on the
// class, such as a following "'s" or a leading space.
const versionBlocks = [
  [0x11f00, 0x11f5f], [0x1e4d0, 0x1e4ff], [0x31350, 0x323af], [0x10ec0, 0x10eff], [0x11b00, 0x11b5f],
  [0x1d2c0, 0x1d2df], [0x1e030, 0x1e08f], [0x1df25, 0x1df2a], [0x13430, 0x1345f],  // 15.0
  [0x2ebf0, 0x2ee5d], [0x2ff0, 0x2fff], [0x31ef, 0x31ef],                          // 15.1
  [0x10d40, 0x10d8f], [0x16100, 0x1613f], [0x16d40, 0x16d7f], [0x1e5d0, 0x1e5ff], [0x11bc0, 0x11bff],
  [0x105c0, 0x105ff], [0x11380, 0x113ff], [0x13460, 0x143ff], [0x1cc00, 0x1cebf], [0x116d0, 0x116ff],
  [0x1c89, 0x1c8a], [0xa7cb, 0xa7dc],                                              // 16.0
  [0x10940, 0x1095f], [0x11db0, 0x11def], [0x16ea0, 0x16edf], [0x1e6c0, 0x1e6ff], [0x323b0, 0x3347f], // 17.0
];
const versionProbe = () => { const [lo, hi] = pick(versionBlocks); return cp(lo, hi); };
const probeBefore = ['', ' ', '!', 'a', 'A', '1', '\n', '\u0301'];
const probeAfter = ["'s", "'LL", 'a', 'A', ' x', '1', '!', '', '\u0301', '  '];

function randomCodePoint() {
  // Every plane with assigned characters; surrogates skipped.
  const plane = pick([0, 0, 0, 1, 1, 2, 3, 14, 15]);
  for (;;) {
    const c = plane * 0x10000 + int(0, 0xffff);
    if (c >= 0xd800 && c <= 0xdfff) continue;
    return String.fromCodePoint(c);
  }
}

const out = fs.openSync(outFile, 'w');
const t0 = process.hrtime.bigint();
let bytes = 0;
let lines = [];
for (let i = 0; i < count; ++i) {
  let s = '';
  const n = int(1, rand() < 0.1 ? 60 : 16);
  for (let k = 0; k < n; ++k) s += pick(fragments)();
  const tokens = enc.encode(s, [], []);
  bytes += Buffer.byteLength(s);
  lines.push(JSON.stringify({ text: s, tokens: Array.from(tokens) }));
  if (lines.length === 1000) { fs.writeSync(out, lines.join('\n') + '\n'); lines = []; }
}
if (lines.length) fs.writeSync(out, lines.join('\n') + '\n');
fs.closeSync(out);
enc.free();
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`oracle: ${count} strings, ${bytes} bytes, ${ms.toFixed(0)} ms -> ${outFile}`);
