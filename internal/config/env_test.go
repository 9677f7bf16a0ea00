package config

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
)

// exampleKey is one key of the example file: its TOML path, its
// environment variable, and a value other than the documented default, as
// TOML and as an environment variable would give it.
type exampleKey struct {
	path []string
	env  string
	toml any
	text string
}

// exampleKeys reads every key of docs/hongyan.example.toml, so that a key
// documented there is covered here without anyone listing it.
func exampleKeys(t *testing.T) []exampleKey {
	t.Helper()
	var doc map[string]any
	if _, err := toml.DecodeFile(filepath.Join("..", "..", "docs", "hongyan.example.toml"), &doc); err != nil {
		t.Fatal(err)
	}
	var keys []exampleKey
	var walk func(path []string, m map[string]any)
	walk = func(path []string, m map[string]any) {
		for k, v := range m {
			p := append(slices.Clone(path), k)
			if sub, ok := v.(map[string]any); ok {
				walk(p, sub)
				continue
			}
			key := exampleKey{path: p, env: "HONGYAN_" + strings.ToUpper(strings.Join(p, "_"))}
			key.toml, key.text = otherValue(t, key.env, v)
			keys = append(keys, key)
		}
	}
	walk(nil, doc)
	sort.Slice(keys, func(i, j int) bool { return keys[i].env < keys[j].env })
	return keys
}

// otherValue returns a value of the kind of v that differs from it.
func otherValue(t *testing.T, name string, v any) (any, string) {
	switch v := v.(type) {
	case int64:
		return v + 1, strconv.FormatInt(v+1, 10)
	case float64:
		return v + 0.5, strconv.FormatFloat(v+0.5, 'g', -1, 64)
	case bool:
		return !v, strconv.FormatBool(!v)
	case string:
		if d, err := time.ParseDuration(v); err == nil {
			d += 90 * time.Second
			return d.String(), d.String()
		}
		return v + "x", v + "x"
	case []any:
		return []any{"chat.example.com", "im.example.org"}, "chat.example.com, im.example.org"
	}
	t.Fatalf("%s: no test value for a %T", name, v)
	return nil, ""
}

// Every variable the example file documents works: setting it gives the
// configuration that the same value in a file gives, which is not the
// default. (HONGYAN_MEDIA_MAX_FILE_BYTES, an int64, used to abort startup
// with "unsupported type int64"; lists such as HONGYAN_HTTP_HOSTS could not
// be set at all.)
func TestEveryDocumentedEnvVariable(t *testing.T) {
	keys := exampleKeys(t)
	var documented []string
	for _, k := range keys {
		documented = append(documented, k.env)
		t.Run(k.env, func(t *testing.T) {
			// The value written in a file...
			m := map[string]any{}
			sub := m
			for _, p := range k.path[:len(k.path)-1] {
				next := map[string]any{}
				sub[p] = next
				sub = next
			}
			sub[k.path[len(k.path)-1]] = k.toml
			var buf bytes.Buffer
			if err := toml.NewEncoder(&buf).Encode(m); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "c.toml")
			if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			want := Default()
			if err := want.LoadFile(path); err != nil {
				t.Fatalf("LoadFile(%s): %v", buf.String(), err)
			}
			if cmp.Equal(want, Default()) {
				t.Fatalf("the test value %v of %s is the default", k.toml, k.env)
			}
			// ...and in the environment.
			got := Default()
			if err := got.LoadEnv(func(name string) (string, bool) { return k.text, name == k.env }); err != nil {
				t.Fatalf("LoadEnv with %s=%q: %v", k.env, k.text, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s=%q: config differs from the file's %s (-file +env):\n%s", k.env, k.text, strings.TrimSpace(buf.String()), diff)
			}
		})
	}
	// All of them at once.
	env := map[string]string{}
	for _, k := range keys {
		env[k.env] = k.text
	}
	c := Default()
	if err := c.LoadEnv(func(name string) (string, bool) { v, ok := env[name]; return v, ok }); err != nil {
		t.Errorf("LoadEnv with every variable set: %v", err)
	}
	if got, want := documented, EnvNames(); !slices.Equal(got, sorted(want)) {
		t.Errorf("variables of the example file %v, want those LoadEnv reads %v", got, sorted(want))
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// The variables operations.md names are ones the node reads.
func TestOperationsNamesRealVariables(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	known := append(EnvNames(), "HONGYAN_CONFIG",
		// The money chaos's test-only switches, read by internal/node
		// from the environment alone (no setting can turn them on);
		// operations.md names them so that nobody sets them.
		"HONGYAN_UNSAFE_WALLET_CRASH_PERCENT", "HONGYAN_UNSAFE_WALLET_IGNORE_KEYS")
	for _, name := range regexp.MustCompile(`HONGYAN_[A-Z0-9_]*[A-Z0-9]`).FindAllString(string(text), -1) {
		if !slices.Contains(known, name) {
			t.Errorf("operations.md names %s, which no setting reads", name)
		}
	}
}
