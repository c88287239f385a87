import type { deviceEn } from '../en/device.ts';

export const deviceFr: Record<keyof typeof deviceEn, string> = {
  'device.title': 'Connecter un appareil',
  'device.enter': 'Saisissez le code affiché sur votre appareil.',
  'device.code': 'Code de l’appareil',
  'device.next': 'Continuer',
  'device.wants': '{client}, sur un appareil, demande l’accès à votre compte ({user}).',
  'device.check': 'Vérifiez que votre appareil affiche bien ce code :',
  'device.unknown': 'Ce code est inconnu, expiré ou déjà utilisé.',
  'device.throttled': 'Trop de codes erronés. Réessayez plus tard.',
  'device.approved': "C'est fait : l'appareil est connecté. Vous pouvez fermer cette page.",
  'device.denied': "L'appareil a été refusé.",
  'device.privileged': "Cet accès ne peut pas être accordé par un code d'appareil ; l'appareil a été refusé.",
  'device.warning': "Ne continuez que si vous avez lancé vous-même cette connexion, sur un appareil qui vous appartient, et que cet appareil affiche le code ci-dessous. Si quelqu'un vous a envoyé ce code ou ce lien, choisissez Refuser.",
  'device.origin.dynamic': "Enregistrée dynamiquement : n'importe qui peut enregistrer une application sous n'importe quel nom, et personne ici n'a vérifié qui a créé celle-ci.",
  'device.origin.metadata': 'Publiée par {host} : le nom est seulement ce que dit ce site.',
  'device.origin.owner': "Enregistrée sur ce serveur par l'utilisateur {owner}.",
  'device.origin.admin': "Enregistrée sur ce serveur par l'administrateur {owner}.",
  'device.privilegedNotice': "Cet appareil demande un accès privilégié ({scopes}). Il ne peut pas être accordé par un code d'appareil : connectez-vous plutôt à l'application depuis ce navigateur.",
};
