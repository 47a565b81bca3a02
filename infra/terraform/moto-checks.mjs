// What the checks that run the real AWS provider against moto share (state-secrets.mjs,
// bootstrap-upgrade.mjs, preview-moto.mjs): a moto_server on a free port, a record of what passed
// and failed, and terraform run in a folder of their own.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** Starts moto_server on a free port and waits until it answers. */
export async function startMoto(env = {}) {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => resolve(p));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    env: { ...process.env, ...env },
  });
  for (let i = 0; ; i++) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch (err) {
      if (i > 100) {
        moto.kill();
        throw new Error(`moto_server did not start: ${err}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { endpoint, stop: () => moto.kill() };
}

/** check(ok, what) prints ok/FAIL lines; problems lists the failed ones. */
export function checks() {
  const problems = [];
  const check = (ok, what) => {
    process.stdout.write(`${ok ? 'ok' : 'FAIL'}: ${what}\n`);
    if (!ok) problems.push(what);
  };
  return { problems, check };
}

/** terraform -chdir=dir ..., its output as text (an exit code other than 0 throws). */
export const terraformIn =
  (dir) =>
  (...args) =>
    execFileSync('terraform', [`-chdir=${dir}`, ...args], {
      encoding: 'utf8',
      env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
