// Package archtest enforces the import rules of docs/architecture.md.
package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "hongyan/"

// features are the product packages (one per PRODUCT.md section).
var features = map[string]bool{
	"account": true, "contact": true, "chat": true, "changelog": true,
	"group": true, "groupapp": true, "moments": true, "discovery": true, "officialacct": true,
	"wallet": true, "call": true, "groupcall": true, "bot": true, "safety": true, "media": true, "favorite": true, "addressbook": true, "spam": true,
	"livecode": true, "moderation": true, "guard": true, "outreach": true, "assistant": true,
}

// adapters implement ports on real engines.
var adapters = map[string]bool{
	"sqldb": true, "sqlite": true, "postgres": true, "membus": true, "natsbus": true,
	"localblob": true, "s3blob": true, "sandboxpay": true, "linkfetch": true, "turnserver": true, "sfu": true,
	"qrscan": true,
}

// transports speak to clients over the network.
var transports = map[string]bool{
	"gateway": true, "wsclient": true, "callclient": true, "cli": true, "wechatapi": true, "oaapi": true, "botapi": true,
	"consoleapi": true, "webui": true, "adminapi": true,
}

// storeExceptions are the imports of another feature's storage package
// that a feature storage package may make (docs/architecture.md): the
// group store writes a group's chat (its conversation, notices and the
// members' windows) through chatdb's transaction-scoped functions (and so
// uses internal/chat's types).
var storeExceptions = map[string]string{"groupdb": "chatdb"}

// pureLibs are the small pure libraries a feature may use.
var pureLibs = []string{"golang.org/x/crypto/", "golang.org/x/text/", "golang.org/x/image/", "golang.org/x/sync/", "github.com/google/go-cmp/",
	"github.com/pquerna/otp", "github.com/boombuler/barcode"}

// banned are imports a feature never makes, whatever else it needs.
var banned = []string{"database/sql", "net/http", "github.com/nats-io/", module + "internal/gen/"}

type file struct {
	pkg     string // path under the module, e.g. "internal/chat/chattest"
	test    bool
	imports []string
}

func load(t *testing.T) []file {
	t.Helper()
	root := filepath.Join("..", "..")
	var files []file
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", ".git", "testdata", "web", "data":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		fl := file{pkg: filepath.ToSlash(rel), test: strings.HasSuffix(path, "_test.go")}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			fl.imports = append(fl.imports, p)
		}
		files = append(files, fl)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("found %d Go files; the walk is broken", len(files))
	}
	return files
}

// kind returns the layer of an internal package path and its top name.
func kind(pkg string) (layer, name string) {
	parts := strings.Split(pkg, "/")
	if parts[0] == "cmd" {
		return "cmd", ""
	}
	if parts[0] != "internal" || len(parts) < 2 {
		return "other", ""
	}
	name = parts[1]
	switch {
	case name == "hongyan":
		return "vocabulary", name
	case name == "sqldb" && len(parts) == 2:
		return "storecore", name
	case name == "sqldb" && len(parts) == 3 && strings.HasSuffix(parts[2], "db"):
		return "featurestore", parts[2]
	case features[name] && len(parts) > 2:
		return "conformance", name
	case features[name]:
		return "feature", name
	case adapters[name]:
		return "adapter", name
	case transports[name]:
		return "transport", name
	case name == "node":
		return "node", name
	}
	return "other", name
}

func TestImportRules(t *testing.T) {
	for _, v := range violations(load(t)) {
		t.Error(v)
	}
}

// violations lists every import that breaks a rule.
func violations(files []file) []string {
	var out []string
	for _, f := range files {
		layer, name := kind(f.pkg)
		for _, im := range f.imports {
			internal := strings.HasPrefix(im, module)
			imLayer, imName := "", ""
			if internal {
				imLayer, imName = kind(strings.TrimPrefix(im, module))
			}
			fail := func(rule string) {
				out = append(out, f.pkg+" imports "+im+": "+rule)
			}
			// Only cmd/ and tests import node.
			if imLayer == "node" && layer != "cmd" && !f.test {
				fail("only cmd/ and tests may import internal/node")
			}
			switch layer {
			case "vocabulary":
				if !stdlib(im) && !(f.test && strings.HasPrefix(im, "github.com/google/go-cmp/")) {
					fail("internal/hongyan imports only the standard library")
				}
			case "feature", "conformance":
				for _, b := range banned {
					if im == b || strings.HasPrefix(im, b) {
						fail("features never import database/sql, net/http, NATS or generated protocol code")
					}
				}
				if internal {
					ok := imLayer == "vocabulary" || imName == name && (layer == "conformance" || f.test)
					if !ok && !(f.test && imLayer != "feature") {
						fail("a feature imports only internal/hongyan, never another feature or an adapter")
					}
					if imLayer == "feature" && imName != name {
						fail("features never import each other")
					}
				} else if !stdlib(im) && !hasPrefix(im, pureLibs) {
					fail("features import only the standard library and small pure libraries")
				}
			case "adapter":
				if imLayer == "transport" {
					fail("adapters never import transports")
				}
			case "storecore":
				if f.test {
					break
				}
				if internal && imLayer != "vocabulary" || !internal && !stdlib(im) {
					fail("the storage core (internal/sqldb) imports only the standard library and internal/hongyan")
				}
			case "featurestore":
				if f.test {
					break
				}
				feature := strings.TrimSuffix(name, "db")
				switch {
				case !internal:
					if !stdlib(im) {
						fail("a feature's storage package imports only the standard library and internal packages")
					}
				case imLayer == "vocabulary", imLayer == "storecore", imLayer == "feature" && imName == feature:
				case imLayer == "featurestore" && storeExceptions[name] == imName,
					imLayer == "feature" && storeExceptions[name] == imName+"db": // and the types its functions take
				default:
					fail("a feature's storage package imports only the storage core, its own feature and internal/hongyan")
				}
			}
		}
	}
	return out
}

func stdlib(path string) bool {
	first := strings.SplitN(path, "/", 2)[0]
	return !strings.Contains(first, ".")
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// The rules must bite: each broken rule below is reported.
func TestImportRulesBite(t *testing.T) {
	bad := []file{
		{pkg: "internal/chat", imports: []string{"hongyan/internal/contact"}},
		{pkg: "internal/chat", imports: []string{"database/sql"}},
		{pkg: "internal/account", imports: []string{"hongyan/internal/gen/hongyanv1"}},
		{pkg: "internal/contact", imports: []string{"github.com/jackc/pgx/v5"}},
		{pkg: "internal/sqldb", imports: []string{"hongyan/internal/gateway"}},
		{pkg: "internal/gateway", imports: []string{"hongyan/internal/node"}},
		{pkg: "internal/hongyan", imports: []string{"github.com/coder/websocket"}},
		{pkg: "internal/sqldb/chatdb", imports: []string{"hongyan/internal/sqldb/groupdb"}},
		{pkg: "internal/sqldb/chatdb", imports: []string{"hongyan/internal/group"}},
		{pkg: "internal/sqldb/favoritedb", imports: []string{"hongyan/internal/chat"}},
		{pkg: "internal/sqldb/accountdb", imports: []string{"hongyan/internal/sqldb/chatdb"}},
		{pkg: "internal/sqldb/accountdb", imports: []string{"hongyan/internal/sqldb/stores"}},
		{pkg: "internal/sqldb/mediadb", imports: []string{"github.com/jackc/pgx/v5"}},
		{pkg: "internal/sqldb", imports: []string{"hongyan/internal/chat"}},
		{pkg: "internal/sqldb", imports: []string{"hongyan/internal/sqldb/chatdb"}},
	}
	for _, f := range bad {
		if got := violations([]file{f}); len(got) == 0 {
			t.Errorf("%s importing %v: got no violation, want one", f.pkg, f.imports)
		}
	}
	good := []file{
		{pkg: "internal/chat", imports: []string{"context", "hongyan/internal/hongyan"}},
		{pkg: "internal/chat/chattest", imports: []string{"hongyan/internal/chat", "github.com/google/go-cmp/cmp"}},
		{pkg: "internal/gateway", imports: []string{"hongyan/internal/chat", "net/http"}},
		{pkg: "internal/sqldb/groupdb", imports: []string{"hongyan/internal/sqldb/chatdb", "hongyan/internal/sqldb", "hongyan/internal/group", "hongyan/internal/hongyan", "database/sql"}},
		{pkg: "internal/sqldb/chatdb", imports: []string{"hongyan/internal/chat", "hongyan/internal/sqldb", "embed"}},
		{pkg: "internal/sqldb/stores", imports: []string{"hongyan/internal/sqldb/chatdb", "hongyan/internal/sqldb/groupdb"}},
		{pkg: "cmd/hongyan", imports: []string{"hongyan/internal/node"}},
		{pkg: "internal/cli", test: true, imports: []string{"hongyan/internal/node"}},
	}
	for _, f := range good {
		if got := violations([]file{f}); len(got) != 0 {
			t.Errorf("%s importing %v: got %v, want no violation", f.pkg, f.imports, got)
		}
	}
}

// storage are the adapters that hold data; transports never reach them,
// not even through another package: they speak to the features only.
var storage = map[string]bool{"sqldb": true, "sqlite": true, "postgres": true}

// isStorage reports whether a package of layer and name holds data: the
// storage core, a feature's storage package, or an engine.
func isStorage(layer, name string) bool {
	return layer == "storecore" || layer == "featurestore" || layer == "adapter" && storage[name]
}

// deps lists each package of the module (not its tests) with every package
// it imports, directly or not, as `go list` resolves them.
func deps(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	m := make(map[string][]string)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		m[strings.TrimPrefix(f[0], module)] = f[1:]
	}
	if len(m) < 20 {
		t.Fatalf("go list found %d packages; the listing is broken", len(m))
	}
	return m
}

func TestTransitiveImportRules(t *testing.T) {
	for _, v := range transitiveViolations(deps(t)) {
		t.Error(v)
	}
}

// transitiveViolations lists every package that reaches, through any chain
// of imports, what it must not import at all.
func transitiveViolations(all map[string][]string) []string {
	var out []string
	for pkg, ds := range all {
		layer, name := kind(pkg)
		for _, d := range ds {
			imLayer, imName := "", ""
			if strings.HasPrefix(d, module) {
				imLayer, imName = kind(strings.TrimPrefix(d, module))
			}
			fail := func(rule string) {
				out = append(out, pkg+" depends on "+d+": "+rule)
			}
			switch layer {
			case "feature", "conformance":
				if hasPrefix(d, banned) || slices.Contains(banned, d) {
					fail("features never depend on database/sql, net/http, NATS or generated protocol code")
				}
				if (imLayer == "feature" || imLayer == "conformance") && imName != name {
					fail("features never depend on each other")
				}
				if imLayer == "adapter" || isStorage(imLayer, imName) || imLayer == "transport" || imLayer == "node" {
					fail("features never depend on adapters, transports or node")
				}
			case "transport":
				if isStorage(imLayer, imName) {
					fail("transports never depend on storage adapters")
				}
			case "adapter", "storecore", "featurestore":
				if imLayer == "transport" {
					fail("adapters never depend on transports")
				}
			}
			if imLayer == "node" && layer != "cmd" {
				fail("only cmd/ and tests depend on internal/node")
			}
		}
	}
	slices.Sort(out)
	return out
}

// The transitive rules must bite too: a violation two imports away is
// reported.
func TestTransitiveImportRulesBite(t *testing.T) {
	bad := []map[string][]string{
		{"internal/chat": {"hongyan/internal/hongyan", "database/sql"}},
		{"internal/chat": {"hongyan/internal/favorite"}},
		{"internal/chat/chattest": {"hongyan/internal/chat", "net/http"}},
		{"internal/gateway": {"hongyan/internal/chat", "hongyan/internal/sqldb"}},
		{"internal/cli": {"hongyan/internal/wsclient", "hongyan/internal/sqlite"}},
		{"internal/gateway": {"hongyan/internal/chat", "hongyan/internal/sqldb/chatdb"}},
		{"internal/chat": {"hongyan/internal/sqldb/chatdb"}},
		{"internal/sqldb/chatdb": {"hongyan/internal/gateway"}},
		{"internal/sqldb": {"hongyan/internal/wsclient"}},
		{"internal/gateway": {"hongyan/internal/node"}},
	}
	for _, m := range bad {
		if got := transitiveViolations(m); len(got) == 0 {
			t.Errorf("%v: got no violation, want one", m)
		}
	}
	good := map[string][]string{
		"internal/chat":          {"context", "hongyan/internal/hongyan", "golang.org/x/text/unicode/norm"},
		"internal/chat/chattest": {"hongyan/internal/chat", "hongyan/internal/hongyan", "github.com/google/go-cmp/cmp"},
		"internal/gateway":       {"hongyan/internal/chat", "net/http", "hongyan/internal/gen/hongyanv1"},
		"internal/sqldb":         {"database/sql", "hongyan/internal/hongyan"},
		"cmd/hongyan":            {"hongyan/internal/node", "hongyan/internal/sqlite"},
	}
	if got := transitiveViolations(good); len(got) != 0 {
		t.Errorf("got %v, want no violation", got)
	}
}
