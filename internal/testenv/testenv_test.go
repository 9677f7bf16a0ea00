package testenv

import "testing"

// recorder is a testing.TB that records whether the test was skipped or
// failed instead of ending it.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Skipf(string, ...any)  { r.skipped = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }

func TestMissing(t *testing.T) {
	for _, tc := range []struct {
		ci                      string
		wantSkipped, wantFailed bool
	}{
		{ci: "", wantSkipped: true},
		{ci: "false", wantSkipped: true},
		{ci: "true", wantFailed: true},
	} {
		t.Setenv("CI", tc.ci)
		r := &recorder{TB: t}
		Missing(r, "no %s", "ffmpeg")
		if r.skipped != tc.wantSkipped || r.failed != tc.wantFailed {
			t.Errorf("CI=%q: got skipped %v failed %v, want skipped %v failed %v", tc.ci, r.skipped, r.failed, tc.wantSkipped, tc.wantFailed)
		}
	}
}
