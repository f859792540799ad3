// Tokenizes the strings of a file with npm's llama-tokenizer-js (Llama 2's SentencePiece BPE) and gpt-3-encoder
// (GPT-2's byte-level BPE), and dumps their vocabularies, for the Java tokenizer tests.
// Usage: node reference.mjs IN OUT. IN: one string per line, UTF-8 as hex. OUT: sections of lines (text as hex).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import llama from 'llama-tokenizer-js';
const require = createRequire(import.meta.url);
const gpt2 = require('gpt-3-encoder');

const hex = s => Buffer.from(s, 'utf8').toString('hex');
const strings = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(l => l.length > 0 || false)
    .map(l => l === '-' ? '' : Buffer.from(l, 'hex').toString('utf8'));
const out = [];
out.push('llama-vocab ' + llama.vocabById.length, ...llama.vocabById.map(hex));
const llamaMerges = [...llama.merges.entries()].sort((a, b) => a[1] - b[1]).map(e => e[0]);
out.push('llama-merges ' + llamaMerges.length, ...llamaMerges.map(hex));
const dir = new URL('./node_modules/gpt-3-encoder/', import.meta.url);
const encoder = JSON.parse(fs.readFileSync(new URL('encoder.json', dir), 'utf8'));
const byId = [];
for (const [token, id] of Object.entries(encoder)) byId[id] = token;
out.push('gpt2-vocab ' + byId.length, ...byId.map(hex));
const merges = fs.readFileSync(new URL('vocab.bpe', dir), 'utf8').split('\n').slice(1).filter(l => l.length > 0);
out.push('gpt2-merges ' + merges.length, ...merges.map(hex));
out.push('llama ' + strings.length, ...strings.map(s => llama.encode(s, false, true).join(' ')));
out.push('gpt2 ' + strings.length, ...strings.map(s => gpt2.encode(s).join(' ')));
fs.writeFileSync(process.argv[3], out.join('\n') + '\n');
