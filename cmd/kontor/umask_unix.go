//go:build unix

package main

import "syscall"

// privateFiles makes every file and directory Kontor creates, its own and
// those of the libraries it uses (the search index writes some 0666),
// readable by its own account only, whatever umask the operator left.
func privateFiles() { syscall.Umask(0o077) }
