// refractor 3 ships no types; react-diff-view only needs its `highlight`.
// @ts-ignore
import refractor from 'refractor/core';
// @ts-ignore
import bash from 'refractor/lang/bash';
// @ts-ignore
import css from 'refractor/lang/css';
// @ts-ignore
import docker from 'refractor/lang/docker';
// @ts-ignore
import go from 'refractor/lang/go';
// @ts-ignore
import hcl from 'refractor/lang/hcl';
// @ts-ignore
import ini from 'refractor/lang/ini';
// @ts-ignore
import java from 'refractor/lang/java';
// @ts-ignore
import javascript from 'refractor/lang/javascript';
// @ts-ignore
import json from 'refractor/lang/json';
// @ts-ignore
import jsx from 'refractor/lang/jsx';
// @ts-ignore
import markdown from 'refractor/lang/markdown';
// @ts-ignore
import markup from 'refractor/lang/markup';
// @ts-ignore
import python from 'refractor/lang/python';
// @ts-ignore
import ruby from 'refractor/lang/ruby';
// @ts-ignore
import rust from 'refractor/lang/rust';
// @ts-ignore
import sql from 'refractor/lang/sql';
// @ts-ignore
import toml from 'refractor/lang/toml';
// @ts-ignore
import tsx from 'refractor/lang/tsx';
// @ts-ignore
import typescript from 'refractor/lang/typescript';
// @ts-ignore
import yaml from 'refractor/lang/yaml';

for (const lang of [
  markup,
  css,
  javascript,
  jsx,
  typescript,
  tsx,
  bash,
  docker,
  go,
  hcl,
  ini,
  java,
  json,
  markdown,
  python,
  ruby,
  rust,
  sql,
  toml,
  yaml,
]) {
  refractor.register(lang);
}

const BY_EXTENSION: Record<string, string> = {
  js: 'javascript',
  cjs: 'javascript',
  mjs: 'javascript',
  jsx: 'jsx',
  ts: 'typescript',
  cts: 'typescript',
  mts: 'typescript',
  tsx: 'tsx',
  py: 'python',
  go: 'go',
  yaml: 'yaml',
  yml: 'yaml',
  json: 'json',
  md: 'markdown',
  sh: 'bash',
  bash: 'bash',
  css: 'css',
  html: 'markup',
  xml: 'markup',
  java: 'java',
  rb: 'ruby',
  rs: 'rust',
  tf: 'hcl',
  hcl: 'hcl',
  toml: 'toml',
  ini: 'ini',
  sql: 'sql',
};

/** The refractor language of a file, when one is registered. */
export function languageOf(filename: string): string | undefined {
  const base = filename.split('/').pop() ?? filename;
  if (/^Dockerfile/.test(base)) return 'docker';
  const ext = base.includes('.') ? base.split('.').pop()!.toLowerCase() : '';
  return BY_EXTENSION[ext];
}

export { refractor };
