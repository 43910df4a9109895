// Package platform is the root of Kontor's shared plumbing: configuration,
// database access, the HTTP/huma setup, the authentication context, ids,
// clocks, jobs and the event bus. It holds no business rule; every feature
// lives in its own module next to it under modules/.
package platform
