import { homeEn } from './en/home.ts';
import { accountsEn } from './en/accounts.ts';
import { consentEn } from './en/consent.ts';
import { deviceEn } from './en/device.ts';
import { applicationsEn } from './en/applications.ts';
import { playgroundEn } from './en/playground.ts';
import { errorsEn } from './en/errors.ts';
import { adminEn } from './en/admin.ts';

// Every string the pages show: one file a page family in en/, assembled here. Keys are stable; other languages
// translate the same keys, in a file of the same name (fr/). A key lives in one family (test/http/i18n.test.ts).
export const en = {
  ...homeEn,
  ...accountsEn,
  ...consentEn,
  ...deviceEn,
  ...applicationsEn,
  ...playgroundEn,
  ...errorsEn,
  ...adminEn,
} as const;

export type MessageKey = keyof typeof en;
