import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, waitForPort } from './servers.ts';

/** moto's server (AWS APIs emulated, from PyPI: moto[server]) on a free port, for one suite. */
export async function startMoto(): Promise<{ endpoint: string; stop(): void }> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once('error', () => reject(new Error("moto_server is not installed: pip install 'moto[server]==5.2.1'"))),
  );
  await Promise.race([waitForPort(port, 30_000, 'moto_server'), spawnFailed]);
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** What an AWS SDK client needs to talk to moto instead of AWS. */
export const motoClientConfig = (endpoint: string) => ({
  endpoint,
  region: 'eu-west-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
