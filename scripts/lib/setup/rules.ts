/**
 * The rules every value setup asks for must meet, the same as Terraform's validations
 * (infra/terraform/variables.tf, bootstrap/variables.tf; scripts/test/setup-rules.test.ts reads
 * those files and fails when the two drift apart), so a bad value is refused at once instead of
 * after a bootstrap apply or a 20-minute deploy.
 */

export interface Rule {
  pattern: RegExp;
  /** What a good value looks like, for the error message. */
  expected: string;
  /** A value that matches the pattern but is still refused, and why. */
  reserved?: Record<string, string>;
}

export const RULES = {
  // variables.tf `name`, bootstrap/variables.tf `name`
  name: {
    pattern: /^[a-z][a-z0-9-]{1,12}$/,
    expected: '2-13 lower-case letters, digits or dashes, starting with a letter (the prefix of every AWS resource)',
  },
  // variables.tf `environment`
  environment: {
    pattern: /^[a-z][a-z0-9]{1,11}$/,
    expected: '2-12 lower-case letters or digits, starting with a letter',
    reserved: { github: '<name>-github-* are the bootstrap roles', deploy: '<name>-deploy-* are the deploy roles' },
  },
  // variables.tf has no rule for `region`; AWS's region names: eu-west-1, us-gov-west-1, ap-southeast-5
  region: {
    pattern: /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$/,
    expected: 'an AWS region name such as eu-west-1',
  },
  // variables.tf `admin_emails` (the services get them comma-separated)
  email: {
    pattern: /^[^@,\s]+@[^@,\s]+$/,
    expected: 'an email address (no commas or spaces)',
  },
  // bootstrap/variables.tf `github_repository`
  repository: {
    pattern: /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/,
    expected: 'owner/name of a GitHub repository',
  },
  // a GitHub login (reviewers)
  login: {
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/,
    expected: 'a GitHub user name',
  },
} satisfies Record<string, Rule>;

export type RuleName = keyof typeof RULES;

/** Why `value` breaks the rule, or undefined when it is fine. */
export function violation(rule: RuleName, value: string): string | undefined {
  const r: Rule = RULES[rule];
  if (!r.pattern.test(value)) return `"${value}" is not ${r.expected}`;
  const reserved = r.reserved?.[value];
  if (reserved) return `"${value}" is reserved (${reserved})`;
  return undefined;
}
