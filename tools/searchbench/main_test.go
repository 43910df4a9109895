package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestSmallRun runs the whole benchmark on a few messages, so the tool
// keeps working; the figures themselves go to docs/benchmarks.md.
func TestSmallRun(t *testing.T) {
	var out bytes.Buffer
	err := run(&out, options{n: 2000, dir: t.TempDir(), channels: 300, users: 50, batch: 500, rounds: 1, filters: "auto,set"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"messages/s", "index on disk", "a new message is found after", "single word", "operators only"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCorpusIsDeterministicAndMixed(t *testing.T) {
	c := &corpus{seed: 1, channels: 10, users: 5}
	if a, b := c.change(7), c.change(7); a.Text != b.Text || a.ChannelID != b.ChannelID {
		t.Fatal("the same sequence number gave different messages")
	}
	var cjk, latin int
	for i := int64(1); i <= 200; i++ {
		txt := c.change(i).Text
		if strings.ContainsAny(txt, "的会议项目我们") {
			cjk++
		}
		if strings.ContainsAny(txt, "aeiou") {
			latin++
		}
	}
	if cjk < 20 || latin < 100 {
		t.Errorf("200 messages: %d with Chinese, %d with Latin letters", cjk, latin)
	}
}
