import type { homeEn } from '../en/home.ts';

export const homeFr: Record<keyof typeof homeEn, string> = {
  'nav.skip': 'Aller au contenu',
  'nav.applications': 'Applications',
  'nav.authorized': 'Applications autorisées',
  'nav.profile': 'Profil',
  'nav.playground': 'Bac à sable',
  'nav.logout': 'Se déconnecter ({user})',
  'nav.login': 'Se connecter',
  'home.hello': 'Bonjour, {user}.',
  'home.yourApps': 'Vos applications',
  'home.yourAppsHint': 'enregistrez des clients OAuth et gérez leurs secrets',
  'home.authorized': 'Applications autorisées',
  'home.authorizedHint': 'voyez et retirez les accès que vous avez donnés',
  'home.playground': 'Bac à sable OAuth',
  'home.playgroundHint': 'lancez de vrais échanges avec ce serveur et voyez chaque requête',
  'home.tagline': "Un serveur d'autorisation OAuth 2, OpenID Connect et OAuth 1.0a.",
  'home.discovery': 'Documents de découverte :',
  'common.cancel': 'Annuler',
};
