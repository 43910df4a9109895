package chat

import (
	"testing"

	"github.com/kontorhq/kontor/modules/platform/db"
)

// channelColsC is written out so that the statement text is a constant
// (one cached prepared statement, nothing built per request); it must
// name the same columns as channelCols, in the same order.
func TestChannelColsC(t *testing.T) {
	if got, want := db.Prefixed("", channelColsC), db.Prefixed("c.", channelCols); got != want {
		t.Fatalf("channelColsC is out of step with channelCols:\n%s\n%s", got, want)
	}
}
