import type { Context, Middleware } from 'koa';
import type { UserRecord, UserStore } from '../../accounts/store.ts';
import { HttpError } from './errors.ts';
import { targetFits } from '../safe-next.ts';

/** Loads the logged-in user (if any) into ctx.state.user; inactive users are treated as logged out. */
export function sessionUser(users: UserStore): Middleware {
  return async (ctx, next) => {
    const id = ctx.session?.userId;
    if (typeof id === 'number') {
      const user = await users.findById(id);
      const loginAt = typeof ctx.session?.loginAt === 'number' ? ctx.session.loginAt : 0;
      // A session from before the user's sessions were ended (a new password, an administrator) is over.
      const ended = user?.sessionsEndedAt != null && loginAt <= user.sessionsEndedAt;
      if (user?.isActive && !ended) ctx.state.user = user;
      else ctx.session = null;
    }
    await next();
  };
}

/** Sends anonymous visitors to the login page, remembering where they were going. */
export function requireLogin(): Middleware {
  return async (ctx, next) => {
    if (!ctx.state.user) {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new HttpError(401, 'login_required', 'Log in to continue.');
      // The whole address if it fits through the login (safe-next.ts), else the page alone: never a Location past it.
      const target = targetFits(ctx.originalUrl) ? ctx.originalUrl : targetFits(ctx.path) ? ctx.path : '/';
      ctx.redirect(`/accounts/login/?next=${encodeURIComponent(target)}`);
      return;
    }
    await next();
  };
}

export function currentUser(ctx: Context) {
  return ctx.state.user as UserRecord;
}
