// Package identity owns who people are in Kontor and how they prove it:
// users and their profiles (the company directory people pick colleagues
// from), roles, local accounts with argon2id passwords, sign-in through
// LDAP or Active Directory (sub-package ldapdir) with a periodic sync,
// browser sessions with CSRF protection, bearer tokens, personal API
// tokens, login rate limiting and the admin API with its audit log.
//
// It publishes the authenticated principal into each request's context
// (platform/authn) through Middleware; other modules read it from there.
// Other modules that need to know about users (names for mentions, who is
// active) declare a small interface that *Module satisfies, such as
// UsersByID.
//
// Tables: users, user_avatars, sessions (also API tokens), audit_log.
package identity
