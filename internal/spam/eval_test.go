package spam

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readSet reads testdata/name: one text a line, # comments.
func readSet(t testing.TB, name string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

// The evaluation set: recall on the spam and false-positive rate on the
// clean messages, over all and per language, reported in the test log;
// below 95 % recall or above 1 % false positives fails.
func TestEvaluationSet(t *testing.T) {
	spam, clean := readSet(t, "spam.txt"), readSet(t, "clean.txt")
	if len(spam) < 200 || len(clean) < 200 {
		t.Fatalf("evaluation set: %d spam, %d clean; want at least 200 each", len(spam), len(clean))
	}
	type tally struct{ n, hit int }
	count := func(set []string, want bool) (all, zh, en tally) {
		for _, s := range set {
			v := Classify(s)
			lang := &en
			if hasHan(s) {
				lang = &zh
			}
			all.n++
			lang.n++
			if v.Spam {
				all.hit++
				lang.hit++
			}
			if v.Spam != want {
				t.Logf("missed (want spam %v, score %.1f %v): %s", want, v.Score, v.Reasons, s)
			}
		}
		return
	}
	sAll, sZh, sEn := count(spam, true)
	cAll, cZh, cEn := count(clean, false)
	pct := func(x tally) float64 { return 100 * float64(x.hit) / float64(x.n) }
	t.Logf("recall %.1f%% (%d/%d; zh %.1f%% of %d, en %.1f%% of %d)", pct(sAll), sAll.hit, sAll.n, pct(sZh), sZh.n, pct(sEn), sEn.n)
	t.Logf("false positives %.1f%% (%d/%d; zh %.1f%% of %d, en %.1f%% of %d)", pct(cAll), cAll.hit, cAll.n, pct(cZh), cZh.n, pct(cEn), cEn.n)
	if pct(sAll) < 95 {
		t.Errorf("recall %.1f%%, want at least 95%%", pct(sAll))
	}
	if pct(cAll) > 1 {
		t.Errorf("false-positive rate %.1f%%, want at most 1%%", pct(cAll))
	}
}
