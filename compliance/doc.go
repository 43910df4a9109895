// Package compliance is the root of Kontor's record keeping: the journal
// (sub-package journal) that every module appends its changes to, and, in
// later steps, retention, legal hold and export. It depends on nothing but
// modules/platform.
package compliance
