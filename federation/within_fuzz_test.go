package federation

import (
	"fmt"
	"runtime/debug"
	"testing"
	"time"
)

// within runs fn and fails the input when it takes longer than d: Go's
// fuzzer has no per-input timeout (a hung input shows only when -fuzztime
// runs out, as "fuzzing process hung"). A panic in fn is reported as the
// input's failure with its stack, rather than killing the fuzzing
// process, after which the fuzzer keeps only "terminated unexpectedly".
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Sprintf("%v\n%s", p, debug.Stack())
			}
			close(done)
		}()
		fn()
	}()
	select {
	case p, panicked := <-done:
		if panicked {
			t.Fatalf("%s panicked: %s", what, p)
		}
	case <-time.After(d):
		t.Fatalf("%s did not finish within %v", what, d)
	}
}
