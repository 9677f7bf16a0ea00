package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

type botCreated struct {
	BotID     int64  `json:"bot_id"`
	AccountID string `json:"account_id"`
	Account   int64  `json:"account"`
	Token     string `json:"token"`
}

// The bot commands as the scriptable surface names them, and a token
// they print working on the bot API.
func TestCLIBots(t *testing.T) {
	server, ann, ben, cat, gid := botGroup(t, "bot", "Bots welcome")

	b := one[botCreated](ben, "bot", "create", "Helper")
	if b.BotID == 0 || !strings.HasPrefix(b.AccountID, "bot_") || !strings.HasPrefix(b.Token, "hyb_") {
		t.Fatalf("bot create: %+v", b)
	}
	if lines := ben.ok("bot", "list"); len(lines) != 1 || !strings.Contains(lines[0], b.AccountID) {
		t.Errorf("bot list: %q", lines)
	}
	tok := one[struct {
		Token string `json:"token"`
	}](ben, "bot", "token", itoa(b.BotID), "--scopes", "groups:read", "--group", gid)
	if !strings.HasPrefix(tok.Token, "hyb_") || tok.Token == b.Token {
		t.Errorf("bot token: %+v", tok)
	}
	if _, code := ben.fail("bot", "token", itoa(b.BotID), "--scopes", "root"); code != "invalid_argument" {
		t.Errorf("unknown scope: %q", code)
	}
	if _, code := cat.fail("bot", "token", itoa(b.BotID), "--scopes", "groups:read"); code != "not_found" {
		t.Errorf("someone else's bot: %q", code)
	}
	// Only the group's owner adds a bot.
	if _, code := ben.fail("groups", "add-bot", gid, itoa(b.BotID)); code != "permission_denied" {
		t.Errorf("a member adds a bot: %q", code)
	}
	ann.ok("groups", "add-bot", gid, b.AccountID) // the account ID works as well as the numeric one

	// The group-limited token reads the group.
	req, _ := http.NewRequest("GET", server+"/bot/v1/groups/"+gid, nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var info struct {
		Name    string
		Members int
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &info) != nil || info.Name != "Bots welcome" || info.Members != 4 {
		t.Errorf("group through the token: %d %s", resp.StatusCode, body)
	}

	wh := one[struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
	}](ben, "bot", "webhook", itoa(b.BotID), "https://bots.example.com/hook")
	if wh.URL != "https://bots.example.com/hook" || !strings.HasPrefix(wh.Secret, "whsec_") {
		t.Errorf("bot webhook: %+v", wh)
	}
	if got := one[struct {
		URL string `json:"url"`
	}](ben, "bot", "webhook", itoa(b.BotID)); got.URL != wh.URL {
		t.Errorf("bot webhook (show): %+v", got)
	}
	if again := one[struct {
		Secret string `json:"secret"`
	}](ben, "bot", "webhook", "set", itoa(b.BotID), "https://bots.example.com/other"); again.Secret == wh.Secret || again.Secret == "" {
		t.Errorf("bot webhook set: a new secret expected, got %q", again.Secret)
	}
	ben.ok("bot", "webhook", itoa(b.BotID), "off")
	ben.ok("bot", "deliveries", itoa(b.BotID))
	if code, _ := ben.fail("bot", "token", "x", "--scopes", "groups:read"); code != 2 {
		t.Errorf("a bot ID that is no number: exit %d, want 2 (usage)", code)
	}
}

// The group-app commands: register, consent by the group's owner only,
// list and revoke.
func TestCLIBotApps(t *testing.T) {
	_, ann, ben, _, gid := botGroup(t, "app", "Apps welcome")
	b := one[botCreated](ben, "bot", "create", "Quiz")
	const redirect = "https://quiz.example/cb"
	sec := one[struct {
		Secret string `json:"secret"`
	}](ben, "bot", "app", "register", itoa(b.BotID), "--redirect", redirect, "--scopes", "groups:read,messages:read", "--description", "Quizzes")
	if !strings.HasPrefix(sec.Secret, "hya_") {
		t.Fatalf("bot app register: %+v", sec)
	}
	if _, code := ben.fail("bot", "app", "authorize", itoa(b.BotID), gid, "--scopes", "groups:read", "--redirect", redirect); code != "permission_denied" {
		t.Errorf("a member consents: %q", code)
	}
	code := one[struct {
		Code string `json:"code"`
	}](ann, "bot", "app", "authorize", itoa(b.BotID), gid, "--scopes", "groups:read", "--redirect", redirect)
	if !strings.HasPrefix(code.Code, "hyc_") {
		t.Fatalf("bot app authorize: %+v", code)
	}
	if lines := ann.ok("bot", "app", "list", gid); len(lines) != 1 || !strings.Contains(lines[0], `"Quizzes"`) {
		t.Errorf("bot app list: %q", lines)
	}
	ann.ok("bot", "app", "revoke", gid, itoa(b.BotID))
	if lines := ann.ok("bot", "app", "list", gid); len(lines) != 0 {
		t.Errorf("bot app list after revoking: %q", lines)
	}
	if c, _ := ann.fail("bot", "app", "nothing"); c != 2 {
		t.Errorf("an unknown subcommand: exit %d, want 2 (usage)", c)
	}
}

// botGroup starts a node where ann (PREFIX_ann) owns a group named name
// with her friends ben and cat.
func botGroup(t *testing.T, prefix, name string) (server string, ann, ben, cat *device, gid string) {
	server = startNode(t)
	ann, ben, cat = newDevice(t, server, "ann"), newDevice(t, server, "ben"), newDevice(t, server, "cat")
	one[session](ann, "register", prefix+"_ann", "password-a")
	one[session](ben, "register", prefix+"_ben", "password-b")
	one[session](cat, "register", prefix+"_cat", "password-c")
	for _, d := range []*device{ben, cat} {
		d.ok("friends", "request", prefix+"_ann")
	}
	ann.ok("friends", "accept", prefix+"_ben")
	ann.ok("friends", "accept", prefix+"_cat")
	g := one[struct {
		Group int64 `json:"group"`
	}](ann, "groups", "create", name, prefix+"_ben", prefix+"_cat")
	return server, ann, ben, cat, itoa(g.Group)
}
