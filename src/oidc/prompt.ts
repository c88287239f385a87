/** OpenID Connect Core §3.1.2.1 prompt values Gatehouse understands (select_account: there is one account a session). */
export const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'] as const;
