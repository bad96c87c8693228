// Handlebars rendering of templates/c. Templates are files; they only loop and interpolate (all arithmetic
// and naming is done in TypeScript when the context is built). `strict` makes a missing field an error
// instead of an empty string, and `noEscape` because the output is C, not HTML.
import Handlebars from 'handlebars';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TEMPLATES_DIR } from '../../paths.ts';

export const C_TEMPLATES_DIR = join(TEMPLATES_DIR, 'c');

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out.sort();
}

export interface Renderer {
  render(template: string, context: object): string;
}

/** A Handlebars environment with every `partials/` template registered as a partial by its path without
 * extension ("partials/banner"). */
export function createRenderer(root = C_TEMPLATES_DIR): Renderer {
  const hb = Handlebars.create();
  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  for (const file of listFiles(root)) {
    if (!file.endsWith('.hbs')) continue;
    const rel = relative(root, file).replace(/\\/g, '/').replace(/\.hbs$/, '');
    const text = readFileSync(file, 'utf8');
    if (rel.startsWith('partials/')) hb.registerPartial(rel, text);
    compiled.set(rel, hb.compile(text, { noEscape: true, strict: true }));
  }
  return {
    render(template: string, context: object): string {
      const t = compiled.get(template);
      if (!t) throw new Error(`no template '${template}.hbs' in ${root}`);
      return t(context);
    },
  };
}
