/** Reading the READMEs, so that tests check what they document instead of a copy of it. */

/** The names in backticks under `### <heading>` of a README's `## Exports` section, sorted. */
export function documentedNames(readme: string, heading: 'Values' | 'Types'): string[] {
  const exportsSection = readme.split(/^## /m).find((section) => section.startsWith('Exports\n'));
  if (exportsSection === undefined) throw new Error('the README has no "## Exports" section');
  const list = exportsSection.split(/^### /m).find((part) => part.startsWith(`${heading}\n`));
  if (list === undefined) throw new Error(`the README's Exports section has no "### ${heading}"`);
  return [...list.matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((match) => match[1] ?? '').sort();
}
