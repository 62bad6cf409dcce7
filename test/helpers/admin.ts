/** Admin verbs run in this process, as the `tandem` command would run them, with what they print. */
import { runAdmin, type AdminVerb } from '../../server/cli/admin.js';

/** What one verb printed and its exit code. */
export interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tandem <verb> <argv>` with no environment; stdout as text. */
export async function admin(verb: AdminVerb, ...argv: string[]): Promise<AdminRun> {
  let stdout = '';
  let stderr = '';
  const code = await runAdmin(verb, argv, {}, { out: (text) => (stdout += Buffer.from(text).toString()), err: (text) => (stderr += text) });
  return { code, stdout, stderr };
}
