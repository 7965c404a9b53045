/**
 * Starting the built browser host (dist/web/server.mjs) as a user would, for the end-to-end specs
 * and the bench alike: one place that knows its command line, the environment a test host needs
 * and the address line it prints when it is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** A started browser host: its process and the address (with the run's token) it printed. */
export interface StartedBrowserHost {
  child: ChildProcess;
  url: string;
}

/**
 * Start `node dist/web/server.mjs` under `root` on a free port, fixtures listed, with `env` on top
 * (the caller's data and models folders), and wait up to 30 s for its `Latent Studio: <url>` line.
 * @throws Error with the host's output when it exits or stays silent.
 */
export async function startBrowserHost(root: string, env: Record<string, string>): Promise<StartedBrowserHost> {
  const child = spawn(process.execPath, [path.join(root, 'dist', 'web', 'server.mjs')], {
    cwd: root,
    env: { ...process.env, PORT: '0', LATENT_STUDIO_INCLUDE_FIXTURES: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the browser host did not start: ${out}${errors}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /^Latent Studio: (\S+)$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`the browser host exited with ${code}: ${errors}`)));
  });
  return { child, url };
}
