#!/usr/bin/env node
// Writes the Inputs and Outputs tables of each module's README (and the root's) from its
// variables.tf and outputs.tf, between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->.
// `node gen-docs.mjs --check` fails when a README is out of date (check.sh runs that).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = import.meta.dirname;
const check = process.argv.includes('--check');
const dirs = [
  root,
  join(root, 'bootstrap'),
  join(root, 'credentials'),
  join(root, 'preview'),
  ...readdirSync(join(root, 'modules')).map((m) => join(root, 'modules', m)),
];

/** Top-level blocks `kind "name" { ... }` with their bodies (brace-matched, heredocs respected). */
function blocks(text, kind) {
  const found = [];
  const re = new RegExp(`^${kind} "([^"]+)" \\{`, 'gm');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let depth = 0;
    let i = m.index + m[0].length - 1;
    for (; i < text.length; i++) {
      if (text.startsWith('<<-EOT', i)) i = text.indexOf('EOT', text.indexOf('\n', i)) + 2;
      else if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) break;
    }
    found.push({ name: m[1], body: text.slice(m.index + m[0].length, i) });
  }
  return found;
}

function attribute(body, name) {
  const heredoc = body.match(new RegExp(`^  ${name}\\s*=\\s*<<-EOT\\n([\\s\\S]*?)\\n\\s*EOT`, 'm'));
  if (heredoc) return heredoc[1].replace(/\s+/g, ' ').trim();
  const line = body.match(new RegExp(`^  ${name}\\s*=\\s*(.*)$`, 'm'));
  if (!line) return undefined;
  let value = line[1].trim();
  if (/^[{[(]$|^(map|object|list)\($/.test(value.slice(-1)) || /[{[(]$/.test(value)) {
    const start = body.indexOf(line[0]) + line[0].length - value.length;
    let depth = 0;
    let i = start;
    for (; i < body.length; i++) {
      if ('{[('.includes(body[i])) depth++;
      else if ('}])'.includes(body[i]) && --depth === 0) break;
    }
    value = body.slice(start, i + 1);
  }
  return value.replace(/\s+/g, ' ');
}

const cell = (s) => (s ?? '').replace(/\|/g, '\\|');
const unquote = (s) => (s?.startsWith('"') ? JSON.parse(s) : s);

function tables(dir) {
  const variables = existsSync(join(dir, 'variables.tf'))
    ? blocks(readFileSync(join(dir, 'variables.tf'), 'utf8'), 'variable')
    : [];
  const outputs = existsSync(join(dir, 'outputs.tf'))
    ? blocks(readFileSync(join(dir, 'outputs.tf'), 'utf8'), 'output')
    : [];
  const lines = ['## Inputs', '', '| Name | Description | Type | Default |', '| --- | --- | --- | --- |'];
  for (const v of variables) {
    const def = attribute(v.body, 'default');
    lines.push(
      `| \`${v.name}\` | ${cell(unquote(attribute(v.body, 'description')))} | \`${cell(attribute(v.body, 'type'))}\` | ${def === undefined ? 'required' : `\`${cell(def)}\``} |`,
    );
  }
  lines.push('', '## Outputs', '', '| Name | Description |', '| --- | --- |');
  for (const o of outputs) lines.push(`| \`${o.name}\` | ${cell(unquote(attribute(o.body, 'description')))} |`);
  return lines.join('\n');
}

let stale = 0;
for (const dir of dirs) {
  const file = join(dir, 'README.md');
  if (!existsSync(file)) {
    console.error(`missing ${file}`);
    stale++;
    continue;
  }
  const text = readFileSync(file, 'utf8');
  const begin = '<!-- BEGIN_TF_DOCS -->';
  const end = '<!-- END_TF_DOCS -->';
  if (!text.includes(begin) || !text.includes(end)) {
    console.error(`${file}: no ${begin} ... ${end} section`);
    stale++;
    continue;
  }
  const next = `${text.slice(0, text.indexOf(begin) + begin.length)}\n${tables(dir)}\n${text.slice(text.indexOf(end))}`;
  if (next === text) continue;
  if (check) {
    console.error(`${file} is out of date: run node infra/terraform/gen-docs.mjs`);
    stale++;
  } else {
    writeFileSync(file, next);
  }
}
process.exit(stale > 0 ? 1 : 0);
