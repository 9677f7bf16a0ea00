package node_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hongyan/internal/bot"
	"hongyan/internal/config"
	pb "hongyan/internal/gen/hongyanv1"
	"hongyan/internal/testenv"
)

// shBlocks returns the ```sh blocks of a Markdown file.
func shBlocks(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	rest := string(raw)
	for {
		_, after, ok := strings.Cut(rest, "```sh\n")
		if !ok {
			return out
		}
		block, tail, ok := strings.Cut(after, "```")
		if !ok {
			t.Fatalf("unterminated block in %s", path)
		}
		out = append(out, block)
		rest = tail
	}
}

// TestBotDocsCurlExamples runs every curl example of docs/bots.md against
// a node where the bot is a contact of a user and a member of a group.
func TestBotDocsCurlExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		testenv.Missing(t, "curl not found: docs/bots.md's examples are not run")
	}
	cfg := config.Default()
	cfg.Data = t.TempDir()
	srv := startNode(t, cfg)
	owner := registerUser(t, srv, "docs_owner")
	friend := registerUser(t, srv, "docs_friend")
	other := registerUser(t, srv, "docs_other")
	befriend(t, srv, owner, friend)
	befriend(t, srv, owner, other)
	o := session(t, srv, owner)
	g := createGroup(t, o, "Book club", []int64{friend.id, other.id}).Id
	created := call(t, o, &pb.ClientFrame{Req: &pb.ClientFrame_BotCreate{BotCreate: &pb.BotCreateRequest{Name: "Echo"}}}).GetBotCreated()
	// The examples' token and grant hold apps:write too (the app card).
	scopes := []string{bot.ScopeSend, bot.ScopeGroupsRead, bot.ScopeApps}
	call(t, o, &pb.ClientFrame{Req: &pb.ClientFrame_BotAddToGroup{BotAddToGroup: &pb.BotAddToGroupRequest{Group: g, Bot: created.Bot.Id, Scopes: scopes}}})
	token := call(t, o, &pb.ClientFrame{Req: &pb.ClientFrame_BotToken{BotToken: &pb.BotTokenRequest{Bot: created.Bot.Id, Scopes: scopes}}}).GetBotToken().Token
	call(t, session(t, srv, friend), &pb.ClientFrame{Req: &pb.ClientFrame_FriendRequest{FriendRequest: &pb.FriendRequestRequest{User: created.Bot.Account, Greeting: "hi"}}})

	blocks := shBlocks(t, filepath.Join("..", "..", "docs", "bots.md"))
	if len(blocks) < 6 {
		t.Fatalf("docs/bots.md has %d sh examples, want at least 6", len(blocks))
	}
	for _, b := range blocks {
		cmd := exec.Command("bash", "-euo", "pipefail", "-c", b)
		cmd.Env = append(os.Environ(), "HONGYAN="+srv.URL, "TOKEN="+token, "GROUP="+strconv.FormatInt(g, 10),
			"USER_ID="+strconv.FormatInt(friend.id, 10))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", b, err, out)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%s: output is not JSON: %v\n%s", b, err, out)
		}
		if _, bad := v["error"]; bad {
			t.Fatalf("%s: answered with an error: %s", b, out)
		}
	}
}
