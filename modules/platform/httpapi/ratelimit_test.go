package httpapi

import (
	"testing"
	"time"
)

func TestBucketsAllowBurstThenRate(t *testing.T) {
	l := &buckets{rate: 10, burst: 5, m: map[string]*bucket{}}
	now := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		if w := l.take("a", now); w != 0 {
			t.Fatalf("request %d of the burst waits %s", i, w)
		}
	}
	w := l.take("a", now)
	if w <= 0 || w > 100*time.Millisecond {
		t.Fatalf("sixth request at once: wait %s, want up to 100ms", w)
	}
	if w := l.take("b", now); w != 0 {
		t.Fatal("another caller is held back by the first")
	}
	if w := l.take("a", now.Add(100*time.Millisecond)); w != 0 {
		t.Fatalf("a token should be back after 100ms at 10/s: wait %s", w)
	}
}
