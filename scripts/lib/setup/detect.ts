/**
 * Defaults setup offers, found where a developer already keeps them: the region of the AWS
 * profile in use (AWS_REGION, AWS_DEFAULT_REGION, else the profile's `region` in the AWS config
 * file), the GitHub repository of the git remote, the git user's email.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { tryGit } from './git.ts';

export interface Detected<T> {
  value: T;
  /** Where it was found, shown beside it. */
  from: string;
}

/** `region` of a profile in an AWS config file ([default] or [profile NAME]). */
export function profileRegion(configText: string, profile: string): string | undefined {
  const header =
    profile === 'default'
      ? /^\[\s*(?:profile\s+)?default\s*\]$/
      : new RegExp(`^\\[\\s*profile\\s+${profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\]$`);
  let inside = false;
  for (const raw of configText.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inside = header.test(line);
      continue;
    }
    const m = inside && line.match(/^region\s*=\s*(\S+)/);
    if (m) return m[1];
  }
  return undefined;
}

export function detectRegion(env: NodeJS.ProcessEnv = process.env): Detected<string> | undefined {
  if (env.AWS_REGION) return { value: env.AWS_REGION, from: 'AWS_REGION' };
  if (env.AWS_DEFAULT_REGION) return { value: env.AWS_DEFAULT_REGION, from: 'AWS_DEFAULT_REGION' };
  const file = env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');
  if (!existsSync(file)) return undefined;
  const profile = env.AWS_PROFILE || 'default';
  const region = profileRegion(readFileSync(file, 'utf8'), profile);
  return region ? { value: region, from: `AWS profile ${profile}` } : undefined;
}

export async function detectEmail(root: string): Promise<string | undefined> {
  return (await tryGit(['config', 'user.email'], root)) || undefined;
}
