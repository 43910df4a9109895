//go:build !unix

package main

// privateFiles has nothing to do where there is no umask; the data
// directory's access list decides.
func privateFiles() {}
