// Command kontor-load drives a running Kontor server with many clients
// and reports latencies and throughput (see docs/benchmarks.md).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "kontor-load: the load scenarios arrive with the messaging module")
	os.Exit(2)
}
