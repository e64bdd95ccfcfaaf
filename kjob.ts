/**
 * `npm run kjob -- <command>`: the terminal client (src/cli.ts) as a process.
 */
import { CliError, run } from './src/cli.js';

run(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
}).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`kjob: ${err instanceof CliError ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
