// `check --deploy` under SECURITY_PROFILE (issue 22): the active profile, settings that contradict it, and the
// clients registered before it that break its rules (requests from those are refused until they are fixed).
import type { DeployInput, Severity } from './deploy-check.ts';
import { clientViolations, has, PROFILE_RULES } from '../oauth2/security-profile/index.ts';

interface Rule { id: string; severity: Severity; fix: string; check(i: DeployInput): string | string[] | undefined }

const list = (xs: string[], max = 5) => xs.slice(0, max).join(', ') + (xs.length > max ? ` and ${xs.length - max} more` : '');

export const PROFILE_RULES_CHECKED: readonly Rule[] = [
  {
    id: 'E009', severity: 'error', fix: 'Unset the settings named (SECURITY_PROFILE turns on what it needs), or choose another SECURITY_PROFILE.',
    check(i) {
      const p = i.config.securityProfile;
      if (p === 'none') return undefined;
      return [
        has(p, 'fapi2:par-required') && !i.config.requirePushedAuthorizationRequests ? `SECURITY_PROFILE=${p} but REQUIRE_PUSHED_AUTHORIZATION_REQUESTS=false: fapi2:par-required (FAPI 2.0 §5.3.2.2) wants every authorization request pushed.` : [],
        i.config.pkce.allowPlain ? `SECURITY_PROFILE=${p} but PKCE_ALLOW_PLAIN=true: oauth2.1:pkce-s256 (draft-ietf-oauth-v2-1 §4.1.1) allows only S256.` : [],
        has(p, 'fapi2:code-lifetime') && i.config.tokens.authorizationCodeTtl > 60 ? `SECURITY_PROFILE=${p} but AUTHORIZATION_CODE_TTL=${i.config.tokens.authorizationCodeTtl}: fapi2:code-lifetime (FAPI 2.0 §5.3.2.1) allows at most 60 seconds.` : [],
      ].flat();
    },
  },
  {
    id: 'W009', severity: 'warning', fix: 'Update or delete these clients (their requests are refused meanwhile): see docs/security.md "Security profiles".',
    check(i) {
      const p = i.config.securityProfile;
      if (p === 'none') return undefined;
      const broken = (i.facts.profileClients ?? []).map((c) => ({ clientId: c.clientId, rules: [...new Set(clientViolations(p, c).map((v) => v.rule))] })).filter((c) => c.rules.length);
      return broken.length ? `Clients that break SECURITY_PROFILE=${p}: ${list(broken.map((c) => `${c.clientId} (${c.rules.join(', ')})`))}.` : undefined;
    },
  },
  {
    id: 'I001', severity: 'info', fix: 'Nothing to do: docs/security.md lists each rule and its specification.',
    check(i) {
      const p = i.config.securityProfile;
      return p === 'none' ? undefined : `SECURITY_PROFILE=${p}: ${PROFILE_RULES[p].length} rules (${PROFILE_RULES[p].map((r) => r.id).join(', ')}).`;
    },
  },
];
