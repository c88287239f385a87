import type { MessageKey } from './en.ts';
import { homeFr } from './fr/home.ts';
import { accountsFr } from './fr/accounts.ts';
import { consentFr } from './fr/consent.ts';
import { deviceFr } from './fr/device.ts';
import { applicationsFr } from './fr/applications.ts';
import { playgroundFr } from './fr/playground.ts';
import { errorsFr } from './fr/errors.ts';
import { adminFr } from './fr/admin.ts';

// Each family is typed by its English file, so a French key missing there, or one English lacks, fails to compile.
export const fr: Record<MessageKey, string> = {
  ...homeFr,
  ...accountsFr,
  ...consentFr,
  ...deviceFr,
  ...applicationsFr,
  ...playgroundFr,
  ...errorsFr,
  ...adminFr,
};
