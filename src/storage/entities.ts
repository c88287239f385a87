import type { Options } from '@mikro-orm/core';
import { User } from './user.entity.ts';
import { Application } from './application.entity.ts';
import { Grant } from './grant.entity.ts';
import { AuthorizationCode } from './authorization-code.entity.ts';
import { AccessToken } from './access-token.entity.ts';
import { RefreshToken } from './refresh-token.entity.ts';
import { Event } from './event.entity.ts';
import { Session } from './session.entity.ts';
import { OAuth1Token, OAuth1Nonce } from './oauth1.entity.ts';
import { ClientAssertionJti } from './client-assertion-jti.entity.ts';
import { RateLimitBucket } from './rate-limit.entity.ts';
import { SigningKey } from './signing-key.entity.ts';
import { LoginSession } from './login-session.entity.ts';
import { InitialAccessToken } from './initial-access-token.entity.ts';
import { ResourceServer } from './resource-server.entity.ts';
import { DeviceCode } from './device-code.entity.ts';
import { PushedRequest } from './pushed-request.entity.ts';

export { User, Application, Grant, AuthorizationCode, AccessToken, RefreshToken, Event, Session, OAuth1Token, OAuth1Nonce, RateLimitBucket, SigningKey, LoginSession, InitialAccessToken, ResourceServer, DeviceCode, PushedRequest, ClientAssertionJti };
/** Every entity, for the ORM's configuration. Typed as the ORM's option: the inferred tuple type is too large for declaration output (TS7056). */
export const entities: NonNullable<Options['entities']> = [User, Application, Grant, AuthorizationCode, AccessToken, RefreshToken, Event, Session, OAuth1Token, OAuth1Nonce, RateLimitBucket, SigningKey, LoginSession, InitialAccessToken, ResourceServer, DeviceCode, PushedRequest, ClientAssertionJti];
